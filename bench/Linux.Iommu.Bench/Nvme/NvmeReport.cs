using System.Globalization;
using System.Text;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>bench/results/nvme/nvme.md from the suite's TSV and the kernel anchor's: IOPS of each strategy as a ratio to the
/// guest kernel's nvme driver at the same queue depth, the map/unmap share, and the issue's two targets with verdicts
/// (pool ≥ kernel at QD 32; ephemeral with the cache within 1.2× of the pool), and the pool in each completion mode
/// (polling, interrupt, hybrid) against the kernel driver.</summary>
public static class NvmeReport
{
    public static int Write(string directory)
    {
        var csharp = Read(Path.Combine(directory, "csharp-nvme.tsv"));
        var kernel = Read(Path.Combine(directory, "c-nvme.tsv"));
        double Kernel(string op, int qd) => kernel.TryGetValue($"nvme/kernel/{op}/qd{qd}", out var k) ? k.Iops
            : throw new InvalidDataException($"c-nvme.tsv has no nvme/kernel/{op}/qd{qd}");
        double Ours(string strategy, string op, int qd) => csharp.TryGetValue($"nvme/{strategy}/{op}/qd{qd}", out var c) ? c.Iops
            : throw new InvalidDataException($"csharp-nvme.tsv has no nvme/{strategy}/{op}/qd{qd}");

        var text = new StringBuilder();
        // one row per case: the kernel driver's IOPS, then each named strategy's IOPS and its ratio to the kernel's
        void Table(string header, string[] strategies, Func<string, int, string>? extra = null)
        {
            text.AppendLine(header);
            text.AppendLine(string.Concat(Enumerable.Repeat("|---", header.Count(c => c == '|') - 1)) + "|");
            foreach (var op in new[] { "read", "write" })
            {
                foreach (var qd in new[] { 1, 32 })
                {
                    var k = Kernel(op, qd);
                    var cells = strategies.Select(s => string.Create(CultureInfo.InvariantCulture, $" {Ours(s, op, qd):F0} ({Ours(s, op, qd) / k:F2}×) |"));
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 4 KiB random {op}, QD {qd} | {k:F0} |{string.Concat(cells)}{extra?.Invoke(op, qd)}"));
                }
            }
            text.AppendLine();
        }
        string Shares(string op, int qd) => string.Join(" / ", new[] { "pool", "ephemeral", "ephemeral-cached" }
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{csharp[$"nvme/{s}/{op}/qd{qd}"].Share * 100:F1} %"))) + " |";
        Table("| case | kernel nvme driver (IOPS) | pool | ephemeral | ephemeral + cache | map/unmap share: pool / ephemeral / cached |",
            ["pool", "ephemeral", "ephemeral-cached"], (op, qd) => " " + Shares(op, qd));
        Table("| case (pool buffers) | kernel nvme driver (IOPS) | polling | interrupt | hybrid |", ["pool", "pool-interrupt", "pool-hybrid"]);
        text.AppendLine("| target | measured | verdict |");
        text.AppendLine("|---|---|---|");
        foreach (var op in new[] { "read", "write" })
        {
            var poolVsKernel = Ours("pool", op, 32) / Kernel(op, 32);
            var poolVsCached = Ours("pool", op, 32) / Ours("ephemeral-cached", op, 32);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {op}, QD 32: pool ≥ kernel driver | {poolVsKernel:F2}× | {(poolVsKernel >= 1 ? "met" : "NOT met")} |"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {op}, QD 32: ephemeral + cache within 1.2× of pool | pool / cached = {poolVsCached:F2} | {(poolVsCached <= 1.2 ? "met" : "NOT met")} |"));
        }
        File.WriteAllText(Path.Combine(directory, "nvme.md"), text.ToString());
        Console.Write(text);
        return 0;
    }

    private static Dictionary<string, (double Iops, double Share)> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing");
        return File.ReadLines(path).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToDictionary(f => f[0],
            f => (double.Parse(f[1], CultureInfo.InvariantCulture), f.Length > 2 ? double.Parse(f[2], CultureInfo.InvariantCulture) : 0));
    }
}
