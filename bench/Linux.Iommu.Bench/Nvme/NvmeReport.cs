using System.Globalization;
using System.Text;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>bench/results/nvme/nvme.md from the suite's TSV and the kernel anchor's: IOPS of each strategy as a ratio to the
/// guest kernel's nvme driver at the same queue depth with the map/unmap share; the pool in each completion mode (polling,
/// interrupt, hybrid) against the kernel driver in IOPS and in IOPS per second of busy guest CPU (<see cref="GuestCpu"/>);
/// and the issue's targets with verdicts — on a quiet host all of them, on a loaded one (<c>--loaded</c>) the one that
/// is about load: interrupt mode keeps 0.9× the kernel driver's IOPS.</summary>
public static class NvmeReport
{
    private static readonly string[] Operations = ["read", "write"];
    private static readonly int[] Depths = [1, 32];

    /// <summary>One case's medians (the columns both TSVs share; the kernel driver's map share is 0).</summary>
    private sealed record Figures(double Iops, double IopsPerCpuSecond, double BusyCpus, double ProcessShare, double MapShare);

    public static int Write(string directory, bool loaded)
    {
        var csharp = Read(Path.Combine(directory, "csharp-nvme.tsv"));
        var kernel = Read(Path.Combine(directory, "c-nvme.tsv"));
        Figures Kernel(string op, int qd) => kernel.TryGetValue($"nvme/kernel/{op}/qd{qd}", out var k) ? k
            : throw new InvalidDataException($"c-nvme.tsv has no nvme/kernel/{op}/qd{qd}");
        Figures Ours(string strategy, string op, int qd) => csharp.TryGetValue($"nvme/{strategy}/{op}/qd{qd}", out var c) ? c
            : throw new InvalidDataException($"csharp-nvme.tsv has no nvme/{strategy}/{op}/qd{qd}");
        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        var text = new StringBuilder();
        // one row per case: the kernel driver's figure, then each named strategy's figure and its ratio to the kernel's
        void Table(string header, string[] strategies, Func<Figures, double> figure, Func<string, int, string>? extra = null)
        {
            text.AppendLine(header);
            text.AppendLine(string.Concat(Enumerable.Repeat("|---", header.Count(c => c == '|') - 1)) + "|");
            foreach (var op in Operations)
            {
                foreach (var qd in Depths)
                {
                    var k = figure(Kernel(op, qd));
                    var cells = strategies.Select(s => F($" {figure(Ours(s, op, qd)):F0} ({figure(Ours(s, op, qd)) / k:F2}×) |"));
                    text.AppendLine(F($"| 4 KiB random {op}, QD {qd} | {k:F0} |{string.Concat(cells)}{extra?.Invoke(op, qd)}"));
                }
            }
            text.AppendLine();
        }
        string[] modes = ["pool", "pool-interrupt", "pool-hybrid"];
        string Shares(string op, int qd) => string.Join(" / ", new[] { "pool", "ephemeral", "ephemeral-cached" }
            .Select(s => F($"{Ours(s, op, qd).MapShare * 100:F1} %"))) + " |";
        string Cpus(string op, int qd) => string.Concat(new[] { Kernel(op, qd) }.Concat(modes.Select(m => Ours(m, op, qd)))
            .Select(f => F($" {f.BusyCpus:F2} ({f.ProcessShare * 100:F0} %) |")));

        text.AppendLine("IOPS:");
        text.AppendLine();
        Table("| case | kernel nvme driver (IOPS) | pool | ephemeral | ephemeral + cache | map/unmap share: pool / ephemeral / cached |",
            ["pool", "ephemeral", "ephemeral-cached"], f => f.Iops, (op, qd) => " " + Shares(op, qd));
        Table("| case (pool buffers) | kernel nvme driver (IOPS) | polling | interrupt | hybrid |", modes, f => f.Iops);
        text.AppendLine("IOPS per second of busy guest CPU (all of the guest's CPU time over the round: the process, its threads, interrupts, block layer):");
        text.AppendLine();
        Table("| case (pool buffers) | kernel nvme driver (IOPS per CPU s) | polling | interrupt | hybrid |", modes, f => f.IopsPerCpuSecond);
        text.AppendLine("Busy guest CPUs over a round (of 2 vCPUs), and in parentheses the share of that time that was the benchmark process's own:");
        text.AppendLine();
        text.AppendLine("| case | kernel nvme driver | polling | interrupt | hybrid |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var op in Operations)
            foreach (var qd in Depths)
                text.AppendLine(F($"| 4 KiB random {op}, QD {qd} |{Cpus(op, qd)}"));
        text.AppendLine();

        text.AppendLine(loaded ? "Targets on a loaded host (a second job on the host: environment.md):" : "Targets on a quiet host:");
        text.AppendLine();
        text.AppendLine("| target | measured | verdict |");
        text.AppendLine("|---|---|---|");
        void Verdict(string target, string measured, bool met) => text.AppendLine($"| {target} | {measured} | {(met ? "met" : "NOT met")} |");
        foreach (var op in Operations)
        {
            var k = Kernel(op, 32);
            if (loaded)
            {
                var interrupt = Ours("pool-interrupt", op, 32).Iops / k.Iops;
                Verdict($"{op}, QD 32: interrupt mode ≥ 0.9× the kernel driver's IOPS (no inversion)", F($"{interrupt:F2}×"), interrupt >= 0.9);
                continue;
            }
            var polling = Ours("pool", op, 32).Iops / k.Iops;
            var poolVsCached = Ours("pool", op, 32).Iops / Ours("ephemeral-cached", op, 32).Iops;
            Verdict($"{op}, QD 32: pool (polling) ≥ kernel driver", F($"{polling:F2}×"), polling >= 1);
            Verdict($"{op}, QD 32: ephemeral + cache within 1.2× of pool", F($"pool / cached = {poolVsCached:F2}"), poolVsCached <= 1.2);
            // interrupt or hybrid: whichever mode meets both, else the better of the two by its weaker ratio
            var sleeping = new[] { ("interrupt", Ours("pool-interrupt", op, 32)), ("hybrid", Ours("pool-hybrid", op, 32)) }
                .Select(m => (Mode: m.Item1, Iops: m.Item2.Iops / k.Iops, PerCpu: m.Item2.IopsPerCpuSecond / k.IopsPerCpuSecond))
                .MaxBy(m => Math.Min(m.Iops, m.PerCpu));
            Verdict($"{op}, QD 32: interrupt or hybrid ≥ kernel driver in IOPS and in IOPS per CPU second",
                F($"{sleeping.Mode}: {sleeping.Iops:F2}× IOPS, {sleeping.PerCpu:F2}× per CPU s"), sleeping.Iops >= 1 && sleeping.PerCpu >= 1);
        }
        File.WriteAllText(Path.Combine(directory, "nvme.md"), text.ToString());
        Console.Write(text);
        return 0;
    }

    // key TAB IOPS TAB IOPS per CPU s TAB busy CPUs TAB process share [TAB map/unmap share: the C# suite's only]
    private static Dictionary<string, Figures> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing");
        return File.ReadLines(path).Where(l => l.Length > 0).Select((l, i) => (Fields: l.Split('\t'), Line: i + 1)).ToDictionary(f => f.Fields[0], f =>
        {
            if (f.Fields.Length < 5) throw new InvalidDataException($"{path}:{f.Line}: {f.Fields.Length} columns, not key, IOPS, IOPS per CPU s, busy CPUs, process share");
            double Column(int i) => double.Parse(f.Fields[i], CultureInfo.InvariantCulture);
            return new Figures(Column(1), Column(2), Column(3), Column(4), f.Fields.Length > 5 ? Column(5) : 0);
        });
    }
}
