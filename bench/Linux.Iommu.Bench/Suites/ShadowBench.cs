using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The shadow engine under a simulated guest driver (<see cref="ShadowUpdates"/>: 2 × 512 page-table updates
/// per operation as <see cref="Runs"/> contiguous runs) applied to a real IOAS (no device attached, so the figure is
/// the engine's walk and bookkeeping plus the ioctls, not pinning). Guest only; <see cref="ShadowWalkBench"/> times the
/// same operation on the host without the kernel.</summary>
[MemoryDiagnoser]
public class ShadowBench : IProbed
{
    private IommuSession? _session;
    private ShadowUpdates? _updates;

    [Params(1, 64)]
    public int Runs { get; set; }

    /// <summary>Guest page-table entries written per operation (the "updates" of updates per second).</summary>
    public static int UpdatesPerOperation => ShadowUpdates.UpdatesPerOperation;

    [GlobalSetup]
    public void Setup()
    {
        _session = IommuSession.Open(attachDevice: false);
        _updates = new ShadowUpdates(_session.Ioas, Runs);
    }

    [Benchmark]
    public void ApplyUpdates() => _updates!.Apply();

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _updates?.Dispose();
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
                var stats = _updates!.Engine.Stats;
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
