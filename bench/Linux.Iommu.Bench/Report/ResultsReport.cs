using Linux.Iommu.Bench.Harness;
using System.Text;
using Linux.Iommu.Bench.Suites;

namespace Linux.Iommu.Bench.Report;

/// <summary>Turns a results folder into summary.md: every figure as a ratio to C measured in the same session, next
/// to its target with met/MISSED, plus map-throughput.csv/.png. Numbers come only from the files.</summary>
public static class ResultsReport
{
    private static readonly long[] MapSizes = [4096, 2L << 20, 1L << 30];
    private static readonly int[] PageCounts = [1, 64, 4096];

    public static int Write(string dir)
    {
        var f = new Figures(dir);
        if (!f.Any)
        {
            Console.Error.WriteLine($"report: no c-*.tsv or csharp-*.tsv in {dir}");
            return 1;
        }
        var md = new StringBuilder();
        var environment = Path.Combine(dir, "environment.md");
        if (File.Exists(environment)) md.Append(File.ReadAllText(environment)).AppendLine();
        // The host suites run only on the x86_64 host; a results folder of another guest architecture has none.
        var host = File.Exists(Path.Combine(dir, "csharp-host.tsv"));
        if (host) Stub(md, f);
        // A kernel without iommufd (bench/run.sh --kernel debian-*) runs the type1 set only: the other sections would be empty.
        if (f.Ran(typeof(IoasMapBench))) Map(md, f);
        if (f.Ran(typeof(IoasSessionBench))) Session(md, f);
        if (f.Ran(typeof(BatchBench))) Batch(md, f, "an iommufd IOAS", n => new BatchBench { N = n });
        if (f.Ran(typeof(Type1Bench))) Type1(md, f);
        if (f.Ran(typeof(Type1BatchBench))) Batch(md, f, "a VFIO type1 container", n => new Type1BatchBench { N = n });
        if (f.Ran(typeof(DirtyBitmapBench))) DirtyBitmap(md, f);
        if (f.Ran(typeof(ShadowBench))) Shadow(md, f);
        if (host) Generator(md, f);
        if (host && f.Ran(typeof(FleetPlacementBench))) Fleet(md, f);
        else md.AppendLine("### Host suites (generated stub overhead, source generator)").AppendLine()
               .AppendLine("Not run for this folder: they run on the x86_64 host only (`bench/run.sh` without `--arch` or `--kernel`); their figures are in `bench/results/summary.md`.").AppendLine();
        File.WriteAllText(Path.Combine(dir, "summary.md"), md.ToString());
        ThroughputPlot.Write(f, MapSizes, Path.Combine(dir, "map-throughput.csv"), Path.Combine(dir, "map-throughput.png"));
        Console.Write(md);
        return 0;
    }

    private static void Stub(StringBuilder md, Figures f)
    {
        var key = CaseKey.Of(new StubBench(), nameof(StubBench.GeneratedStub));
        var separate = f.Cs(key) / f.C(key);
        var interleaved = f.Interleaved(key);
        md.AppendLine("### Generated stub overhead (host, IOMMU_DESTROY on /dev/null → ENOTTY)").AppendLine()
          .AppendLine("| measured as | C# | C | C#/C | target ≤ 1.05× | allocated per call (own thread) | target 0 B |").AppendLine("|---|---|---|---|---|---|---|")
          .AppendLine($"| separately (BenchmarkDotNet median vs bench/c/stub median) | {Figures.Time(f.Cs(key))} | {Figures.Time(f.C(key))} | {Figures.Ratio(separate)} | — | {f.AllocationText(key)} | {f.AllocationVerdict(key)} |")
          .AppendLine($"| interleaved rounds in one process (median of per-round ratios) | {Figures.Time(f.Probe(key, "interleaved-cs-ns"))} | {Figures.Time(f.Probe(key, "interleaved-c-ns"))} | {Figures.Ratio(interleaved)} | {Figures.Verdict(interleaved, r => r <= 1.05)} | — | — |")
          .AppendLine($"| for analysis: libc ioctl via a bare function pointer (no errno marshalling), same rounds | {Figures.Time(f.Probe(key, "interleaved-bare-ns"))} | — | {Figures.Ratio(f.Probe(key, "interleaved-bare-ratio"))} | — | — | — |").AppendLine();
    }

    private static void Map(StringBuilder md, Figures f)
    {
        md.AppendLine("### IOMMU_IOAS_MAP + UNMAP of one region (guest)").AppendLine()
          .AppendLine("| size | device | C# | C | C#/C separately (interleaved) | target ≤ 1.05× | allocated per call (own thread) | target 0 B |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var device in new[] { false, true })
        foreach (var size in MapSizes)
        {
            var key = MapKey(device, size);
            var ratio = f.Cs(key) / f.C(key);
            md.AppendLine($"| {Readable.Bytes((ulong)size)} | {(device ? "edu attached" : "none")} | {Figures.Time(f.Cs(key))} | {Figures.Time(f.C(key))} | {Figures.Both(ratio, f.Interleaved(key))} | {Figures.Verdict(Figures.Judged(ratio, f.Interleaved(key)), r => r <= 1.05)} | {f.AllocationText(key)} | {f.AllocationVerdict(key)} |");
        }
        md.AppendLine();
    }

    private static void Session(StringBuilder md, Figures f)
    {
        md.AppendLine($"### The same short calls in one DmaSession ({IoasSessionBench.CallsPerSession} map + unmap pairs per descriptor lease; guest, no device)").AppendLine()
          .AppendLine("| size | C# in a session | C | C#/C separately (interleaved) | target ≤ 1.05× | allocated per call (own thread) | target 0 B |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var size in MapSizes)
        {
            var key = CaseKey.Of(new IoasSessionBench { Size = size }, nameof(IoasSessionBench.MapUnmap));
            var c = f.C(MapKey(device: false, size)); // the C twin is IoasMap's loop: the same ioctls
            var ratio = f.Cs(key) / c;
            md.AppendLine($"| {Readable.Bytes((ulong)size)} | {Figures.Time(f.Cs(key))} | {Figures.Time(c)} | {Figures.Both(ratio, f.Interleaved(key))} | {Figures.Verdict(Figures.Judged(ratio, f.Interleaved(key)), r => r <= 1.05)} | {f.AllocationText(key)} | {f.AllocationVerdict(key)} |");
        }
        md.AppendLine();
    }

    /// <summary>The page loops of <see cref="BatchBench"/> or its type1 twin (<paramref name="suite"/> makes a case at N).</summary>
    private static void Batch(StringBuilder md, Figures f, string target, Func<int, BatchBench> suite)
    {
        md.AppendLine($"### Mapping N 4 KiB pages + unmapping them (guest, edu attached, {target})").AppendLine()
          .AppendLine("| N | layout | C# per page | C per page | C# batched | C# single ioctl | C single ioctl | per page / batched separately (interleaved) | target ≥ 50× (N=4096) | batched / single separately (interleaved) | target ≤ 1.2× | allocated per batched page (own thread) | target 0 B | map ioctls per commit |")
          .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var n in PageCounts)
        {
            CaseKey K(string method) => CaseKey.Of(suite(n), method);
            var speedup = f.Cs(K(nameof(BatchBench.PerPage))) / f.Cs(K(nameof(BatchBench.Batched)));
            var toIdeal = f.Cs(K(nameof(BatchBench.Batched))) / f.Cs(K(nameof(BatchBench.SingleIoctl)));
            var speedupInterleaved = f.Interleaved(K(nameof(BatchBench.Batched)), "vs-per-page");
            var toIdealInterleaved = f.Interleaved(K(nameof(BatchBench.Batched)), "vs-single");
            md.AppendLine($"| {n} | contiguous | {Figures.Time(f.Cs(K(nameof(BatchBench.PerPage))))} | {Figures.Time(f.C(K(nameof(BatchBench.PerPage))))} | {Figures.Time(f.Cs(K(nameof(BatchBench.Batched))))} | {Figures.Time(f.Cs(K(nameof(BatchBench.SingleIoctl))))} | {Figures.Time(f.C(K(nameof(BatchBench.SingleIoctl))))} " +
                          $"| {Figures.Both(speedup, speedupInterleaved)} | {(n == 4096 ? Figures.Verdict(Figures.Judged(speedup, speedupInterleaved), s => s >= 50) : "—")} | {Figures.Both(toIdeal, toIdealInterleaved)} | {(n == 4096 ? Figures.Verdict(Figures.Judged(toIdeal, toIdealInterleaved), r => r <= 1.2) : "—")} " +
                          $"| {f.AllocationText(K(nameof(BatchBench.Batched)), n)} | {f.AllocationVerdict(K(nameof(BatchBench.Batched)))} | {Figures.Number(f.Probe(K(nameof(BatchBench.Batched)), "map-ioctls"))} |");
            var scattered = f.Cs(K(nameof(BatchBench.ScatteredPerPage))) / f.Cs(K(nameof(BatchBench.ScatteredBatched)));
            md.AppendLine($"| {n} | scattered | {Figures.Time(f.Cs(K(nameof(BatchBench.ScatteredPerPage))))} | {Figures.Time(f.C(K(nameof(BatchBench.ScatteredPerPage))))} | {Figures.Time(f.Cs(K(nameof(BatchBench.ScatteredBatched))))} | — | — " +
                          $"| {Figures.Ratio(scattered)} | — | — | — | {f.AllocationText(K(nameof(BatchBench.ScatteredBatched)), n)} | {f.AllocationVerdict(K(nameof(BatchBench.ScatteredBatched)))} | {Figures.Number(f.Probe(K(nameof(BatchBench.ScatteredBatched)), "map-ioctls"))} |");
        }
        string VsC(int n, string method)
        {
            var key = CaseKey.Of(suite(n), method);
            return Figures.Both(f.Cs(key) / f.C(key), f.Interleaved(key));
        }
        md.AppendLine().AppendLine("C#/C on the same work, separately (interleaved): " + string.Join("; ", PageCounts.Select(n =>
            $"N={n} per page {VsC(n, nameof(BatchBench.PerPage))}, scattered per page {VsC(n, nameof(BatchBench.ScatteredPerPage))}, single {VsC(n, nameof(BatchBench.SingleIoctl))}"))).AppendLine();
    }

    /// <summary>Type1 map + unmap against its C twin and its target; beside the IOAS doing the same work when that ran
    /// (a kernel without iommufd runs the type1 side only).</summary>
    private static void Type1(StringBuilder md, Figures f)
    {
        CaseKey K(Type1Bench.Interface backend, long size) => CaseKey.Of(new Type1Bench { Backend = backend, Size = size }, nameof(Type1Bench.MapUnmap));
        var ioas = MapSizes.Any(size => !double.IsNaN(f.Cs(K(Type1Bench.Interface.Iommufd, size))));
        md.AppendLine($"### Legacy VFIO type1 MAP_DMA{(ioas ? " vs iommufd IOAS_MAP" : "")}, map + unmap (guest, edu in the container{(ioas ? " / attached" : "")})").AppendLine()
          .AppendLine("| size | C# type1 | C type1 | C#/C type1 separately (interleaved) | target ≤ 1.05× | allocated per call (own thread) | target 0 B |" + (ioas ? " C# IOAS | C IOAS | IOAS / type1 (C#) | IOAS / type1 (C) | C#/C IOAS separately (interleaved) | allocated IOAS (own thread) |" : ""))
          .AppendLine("|---|---|---|---|---|---|---|" + (ioas ? "---|---|---|---|---|---|" : ""));
        foreach (var size in MapSizes)
        {
            var (type1, iommufd) = (K(Type1Bench.Interface.Type1, size), K(Type1Bench.Interface.Iommufd, size));
            var ratio = f.Cs(type1) / f.C(type1);
            md.Append($"| {Readable.Bytes((ulong)size)} | {Figures.Time(f.Cs(type1))} | {Figures.Time(f.C(type1))} | {Figures.Both(ratio, f.Interleaved(type1))} | {Figures.Verdict(Figures.Judged(ratio, f.Interleaved(type1)), r => r <= 1.05)} " +
                      $"| {f.AllocationText(type1)} | {f.AllocationVerdict(type1)} |");
            if (ioas)
            {
                md.Append($" {Figures.Time(f.Cs(iommufd))} | {Figures.Time(f.C(iommufd))} | {Figures.Ratio(f.Cs(iommufd) / f.Cs(type1))} | {Figures.Ratio(f.C(iommufd) / f.C(type1))} " +
                          $"| {Figures.Both(f.Cs(iommufd) / f.C(iommufd), f.Interleaved(iommufd))} | {f.AllocationText(iommufd)} |");
            }
            md.AppendLine();
        }
        md.AppendLine();
    }

    /// <summary>The dirty-bitmap read of 1 … 16 GiB against its C twin, interleaved (the C twin runs only in those rounds).</summary>
    private static void DirtyBitmap(StringBuilder md, Figures f)
    {
        md.AppendLine("### Dirty bitmap read, VFIO_IOMMU_DIRTY_PAGES get-bitmap of every page (guest, type1 container with edu's group)").AppendLine()
          .AppendLine("| mapped | pages reported dirty | C# | C | C#/C interleaved | target ≤ 1.05× | allocated per read (own thread) | target 0 B |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var gib in new[] { 1, 2, 4, 8, 16 })
        {
            var key = CaseKey.Of(new DirtyBitmapBench { GiB = gib }, nameof(DirtyBitmapBench.ReadBitmap));
            var ratio = f.Interleaved(key);
            md.AppendLine($"| {gib} GiB | {Figures.Number(f.Probe(key, "dirty-pages"), "N0")} | {Figures.Time(f.Probe(key, "interleaved-b-ns"))} | {Figures.Time(f.Probe(key, "interleaved-a-ns"))} " +
                          $"| {Figures.Ratio(ratio)} | {Figures.Verdict(ratio, r => r <= 1.05)} | {f.AllocationText(key)} | {f.AllocationVerdict(key)} |");
        }
        md.AppendLine();
    }

    private static void Shadow(StringBuilder md, Figures f)
    {
        md.AppendLine($"### Shadow engine: {ShadowBench.UpdatesPerOperation} guest page-table updates per op (guest, IOAS without device)").AppendLine()
          .AppendLine("| contiguous runs | time per op | updates applied / s | map ioctls per run | target ≤ 1 | unmap ioctls per run | allocated per op (own thread) |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var runs in new[] { 1, 64 })
        {
            var key = CaseKey.Of(new ShadowBench { Runs = runs }, nameof(ShadowBench.ApplyUpdates));
            var perRun = f.Probe(key, "map-ioctls-per-run");
            md.AppendLine($"| {runs} | {Figures.Time(f.Cs(key))} | {Figures.Number(ShadowBench.UpdatesPerOperation / (f.Cs(key) * 1e-9), "N0")} | {Figures.Number(perRun)} | {Figures.Verdict(perRun, r => r <= 1)} " +
                          $"| {Figures.Number(f.Probe(key, "unmap-ioctls-per-run"))} | {f.AllocationText(key)} |");
        }
        md.AppendLine();
    }

    private static void Generator(StringBuilder md, Figures f)
    {
        md.AppendLine("### Source generator (host, in memory, opt-in \"*\", x86_64)").AppendLine()
          .AppendLine("| model | files | full generation | target < 1 s | no-op edit rerun | steps re-run | target 0 |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var set in new[] { "linux-6.12", "linux-7.3" })
        {
            var fullKey = CaseKey.Of(new GeneratorBench { Set = set }, nameof(GeneratorBench.FullGeneration));
            var rerunKey = CaseKey.Of(new GeneratorBench { Set = set }, nameof(GeneratorBench.IncrementalNoOpEdit));
            var full = f.Cs(fullKey);
            var rerun = f.Probe(rerunKey, "steps-rerun");
            md.AppendLine($"| {set} | {Figures.Number(f.Probe(fullKey, "files"))} | {Figures.Time(full)} | {Figures.Verdict(full, t => t < 1e9)} " +
                          $"| {Figures.Time(f.Cs(rerunKey))} | {Figures.Number(rerun)} | {Figures.Verdict(rerun, r => r == 0)} |");
        }
        md.AppendLine();
    }

    /// <summary>The fleet curve: loading and deciding per host count, time and bytes, whole and per host.</summary>
    private static void Fleet(StringBuilder md, Figures f)
    {
        md.AppendLine($"### Placement across a fleet (host, {FleetPlacementBench.SpecCount} specs × N hosts, one core)").AppendLine()
          .AppendLine("| hosts | facts | load | decide | decide per cell | target (10,000 hosts) ≤ 1 s | allocated: load / decide | per host: allocated load / decide | kept per host: fleet / placement |")
          .AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var distinct in new[] { 5, 1 })
        foreach (var hosts in new[] { 10, 100, 1000, 10000 })
        {
            var load = CaseKey.Of(new FleetPlacementBench { Hosts = hosts, DistinctEvery = distinct }, nameof(FleetPlacementBench.Load));
            var decide = CaseKey.Of(new FleetPlacementBench { Hosts = hosts, DistinctEvery = distinct }, nameof(FleetPlacementBench.Decide));
            var time = f.Cs(decide);
            md.AppendLine($"| {hosts} | {(distinct == 1 ? "an IOAS per host" : "shared")} | {Figures.Time(f.Cs(load))} | {Figures.Time(time)} " +
                          $"| {Figures.Time(time / (hosts * FleetPlacementBench.SpecCount))} | {(hosts == 10000 ? Figures.Verdict(time, t => t <= 1e9) : "—")} " +
                          $"| {Bytes(f.Allocated(load))} / {Bytes(f.Allocated(decide))} " +
                          $"| {Figures.Number(f.Allocated(load) / hosts, "0")} B / {Figures.Number(f.Allocated(decide) / hosts, "0")} B " +
                          $"| {Figures.Number(f.Probe(load, "retained-bytes-per-host"), "0")} B / {Figures.Number(f.Probe(decide, "retained-bytes-per-host"), "0")} B |");
        }
        md.AppendLine();
        static string Bytes(double bytes) => double.IsNaN(bytes) ? "n/a" : Readable.Bytes((ulong)bytes);
    }

    /// <summary>IoasMap's case for a device and size (the plot reads the same figures).</summary>
    internal static CaseKey MapKey(bool device, long size) => CaseKey.Of(new IoasMapBench { Device = device, Size = size }, nameof(IoasMapBench.MapUnmap));
}
