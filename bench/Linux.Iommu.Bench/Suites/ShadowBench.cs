using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The shadow engine under a simulated guest driver: one operation = the guest maps <see cref="Pages"/> 4 KiB
/// pages as <see cref="Runs"/> contiguous runs (separated by unmapped IOVA and guest-physical gaps), invalidates,
/// unmaps them all and invalidates again — 2 × Pages page-table updates applied to a real IOAS (no device attached,
/// so the figure is the engine's walk and bookkeeping plus the ioctls, not pinning). Guest only.</summary>
[MemoryDiagnoser]
public class ShadowBench : IProbed
{
    public const int Pages = 512;
    private const ulong Page = 4096, RamGpa = 0, PoolGpa = 64UL << 20, Iova = IommuSession.IovaBase;
    private IommuSession? _session;
    private DmaBuffer? _ram;
    private GuestPageTableBuilder? _guest;
    private ShadowEngine? _engine;

    [Params(1, 64)]
    public int Runs { get; set; }

    /// <summary>Guest page-table entries written per operation (the "updates" of updates per second).</summary>
    public static int UpdatesPerOperation => 2 * Pages;

    private ulong RunPages => (ulong)(Pages / Runs);

    [GlobalSetup]
    public void Setup()
    {
        _session = IommuSession.Open(attachDevice: false);
        _ram = DmaBuffer.Allocate(72L << 20); // 64 MiB of guest RAM for data pages, 8 MiB for the table pool
        var memory = new GuestMemory().Add(RamGpa, _ram);
        _guest = new GuestPageTableBuilder(memory, PoolGpa, 8UL << 20, GuestPageTableFormat.VtdSecondStage, inputAddressWidth: 48);
        _engine = new ShadowEngine(_session.Ioas, memory, _guest.Table);
    }

    private ulong Span => 2 * Pages * Page; // runs sit one run-length apart in IOVA and GPA

    [Benchmark]
    public void ApplyUpdates()
    {
        for (var r = 0UL; r < (ulong)Runs; r++) _guest!.Map(Iova + 2 * r * RunPages * Page, RamGpa + 2 * r * RunPages * Page, RunPages * Page, DmaAccess.ReadWrite);
        _engine!.Invalidate(Iova, Span);
        for (var r = 0UL; r < (ulong)Runs; r++) _guest!.Unmap(Iova + 2 * r * RunPages * Page, RunPages * Page);
        _engine.Invalidate(Iova, Span);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _ram?.Dispose();
    }

    /// <summary>Map ioctls per contiguous run of one <see cref="ApplyUpdates"/>, for each run count.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var runs in new[] { 1, 64 })
        {
            Runs = runs;
            Setup();
            try
            {
                ApplyUpdates();
                var stats = _engine!.Stats;
                var key = CaseKey.Of(this, nameof(ApplyUpdates));
                yield return (key.Measure("map-ioctls-per-run"), (double)stats.MapIoctls / runs);
                yield return (key.Measure("unmap-ioctls-per-run"), (double)stats.UnmapIoctls / runs);
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
