using BenchmarkDotNet.Running;
using Linux.Iommu.Bench.GuestRam;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Bench.Report;

// Linux.Iommu.Bench host|vm|type1|nested [--dry] [--suite NAME] [--out DIR]   run a suite set (vm, type1, nested: inside the guest), write
//                                                DIR/csharp-SET.tsv and DIR/probes-SET.tsv; --dry: one invocation per case,
//                                                no timing; --suite: only the set's suite NAME (e.g. ShadowWalkBench)
// Linux.Iommu.Bench report DIR                    merge DIR's C and C# files into summary.md, CSV and the plot
// Linux.Iommu.Bench guestram [--max BYTES] [--half BYTES] [--dry] [--out DIR]   the guest-RAM curve (in the guest): DIR/ram-curve.tsv
// Linux.Iommu.Bench guestram-report DIR           ram-curve.tsv into ram-curve.md and a plot per backing
// Linux.Iommu.Bench nvme [--dry] [--out DIR]      the NVMe suite (nvme guest): DIR/csharp-nvme.tsv (--dry: only with --out)
// Linux.Iommu.Bench nvme-latency [--dry] [--out DIR]   QD 1 completion latency polled, on the interrupt and hybrid: DIR/nvme-latency.tsv
// Linux.Iommu.Bench nvme-report DIR [--loaded]    DIR/nvme.md from csharp-nvme.tsv and the kernel anchor's c-nvme.tsv
//                                                (--loaded: the run had a second job on the host; its target only)
if (args.Length == 0) return Usage();
var dry = args.Contains("--dry");
var outIndex = Array.IndexOf(args, "--out");
var output = Path.GetFullPath(outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : "bench/results");

switch (args[0])
{
    case "host" or "vm" or "type1" or "nested":
        var suites = SuiteSets.Named(args[0]);
        if (Array.IndexOf(args, "--suite") is var only and >= 0)
        {
            var name = only + 1 < args.Length ? args[only + 1] : "";
            suites = [.. suites.Where(t => t.Name == name)];
            if (suites.Length == 0)
            {
                Console.Error.WriteLine($"--suite: '{name}' is no suite of the {args[0]} set ({string.Join(", ", SuiteSets.Named(args[0]).Select(t => t.Name))})");
                return 2;
            }
        }
        var probes = () => suites.Where(t => typeof(IProbed).IsAssignableFrom(t)).SelectMany(t => ((IProbed)Activator.CreateInstance(t)!).Probe()).ToList();
        if (dry)
        {
            Interleaved.Once = true;
            foreach (var suite in suites) Console.WriteLine($"dry: {CaseKey.Suite(suite)}: {DryRunner.Run(suite).Count} cases ran once");
            foreach (var (key, value) in probes()) Console.WriteLine($"dry: probe {key} = {value}");
            return 0;
        }
        Directory.CreateDirectory(output);
        var summary = BenchmarkRunner.Run(suites, BenchConfig.Create(Path.Combine(output, "artifacts-" + args[0]), guest: args[0] != "host")).Single();
        ResultFiles.WriteTimings(Path.Combine(output, $"csharp-{args[0]}.tsv"), summary);
        // After the timed runs: exact counts, and each case's allocations on its own thread (3 calls after a warm-up).
        ResultFiles.WriteProbes(Path.Combine(output, $"probes-{args[0]}.tsv"),
            probes().Concat(suites.SelectMany(s => DryRunner.Run(s, measured: 3)).Select(r => (r.Key + "/thread-bytes", r.ThreadBytesPerCall))).ToList());
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    case "guestram":
        // the guest-RAM curve (bench/guest-ram.sh, inside the guest): --max the largest size, --half the concurrency figure's
        long Size(string option, long fallback) => Array.IndexOf(args, option) is var at and >= 0 && at + 1 < args.Length ? long.Parse(args[at + 1]) : fallback;
        Directory.CreateDirectory(output);
        using (var tsv = new StreamWriter(Path.Combine(output, "ram-curve.tsv")))
        {
            GuestRamCurve.Run(tsv, Size("--max", 1L << 30), dry);
            GuestRamConcurrency.Run(tsv, Size("--half", 256L << 20), dry);
        }
        return 0;
    case "guestram-report" when args.Length == 2:
        return GuestRamReport.Write(Path.GetFullPath(args[1]));
    case "nvme":
        var nvme = Linux.Iommu.Bench.Nvme.NvmeBench.Run(dry);
        if (!dry || outIndex >= 0)
        {
            Directory.CreateDirectory(output);
            Linux.Iommu.Bench.Nvme.NvmeBench.Write(Path.Combine(output, "csharp-nvme.tsv"), nvme);
        }
        Console.WriteLine($"nvme: the kernel's block device for the anchor: {Linux.Iommu.Nvme.NvmePciDevice.Find(null).BindToKernel()}");
        return 0;
    case "nvme-latency":
        return Linux.Iommu.Bench.Nvme.NvmeLatency.Run(dry, outIndex >= 0 ? output : null);
    case "nvme-report" when args.Length == 2 || (args.Length == 3 && args[2] == "--loaded"):
        try
        {
            return Linux.Iommu.Bench.Nvme.NvmeReport.Write(Path.GetFullPath(args[1]), loaded: args.Length == 3);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"nvme-report: {e.Message}");
            return 1;
        }
    case "report" when args.Length == 2:
        try
        {
            return ResultsReport.Write(Path.GetFullPath(args[1]));
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"report: {e.Message}");
            return 1;
        }
    default:
        return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: Linux.Iommu.Bench host|vm|type1|nested [--dry] [--suite NAME] [--out DIR] | report DIR | guestram [--max BYTES] [--half BYTES] [--dry] [--out DIR] | guestram-report DIR | nvme [--dry] [--out DIR] | nvme-latency [--dry] [--out DIR] | nvme-report DIR [--loaded]");
    return 2;
}
