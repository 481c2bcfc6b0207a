using BenchmarkDotNet.Attributes;
using Iommu.Tests.Shared;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The engine without the kernel: <see cref="ShadowBench"/>'s operation on the host, mirrored into
/// <see cref="AcceptingMapper"/> (a stand-in that accepts every call and does nothing), so the figure is the CPU work
/// alone — the simulated guest's table writes, the walks, run coalescing and bookkeeping — without the map and unmap
/// ioctls the guest suite pays.</summary>
[MemoryDiagnoser]
public class ShadowWalkBench
{
    private ShadowUpdates? _updates;

    [Params(1, 64)]
    public int Runs { get; set; }

    [GlobalSetup]
    public void Setup() => _updates = new ShadowUpdates(new AcceptingMapper(), Runs);

    [Benchmark]
    public void ApplyUpdates() => _updates!.Apply();

    [GlobalCleanup]
    public void Cleanup() => _updates?.Dispose();
}
