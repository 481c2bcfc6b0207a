using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>IOMMU_IOAS_MAP + UNMAP of one region through the runtime (<see cref="Ioas.TryMap"/>), with and without
/// the edu device attached. Guest only. C side: bench/c/iommufd.c.</summary>
[MemoryDiagnoser]
public class IoasMapBench : IProbed
{
    private IommuSession? _session;
    private DmaBuffer? _buffer;

    [Params(4096L, 2L << 20, 1L << 30)]
    public long Size { get; set; }

    [Params(false, true)]
    public bool Device { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = IommuSession.Open(Device);
        _buffer = DmaBuffer.Allocate(Size);
    }

    [Benchmark]
    public void MapUnmap()
    {
        var ioas = _session!.Ioas;
        Expect.Ok(ioas.TryMap(IommuSession.IovaBase, _buffer!.Address, (ulong)Size, DmaAccess.ReadWrite, out var mapErrno), mapErrno, "IOMMU_IOAS_MAP");
        Expect.Ok(ioas.TryUnmap(IommuSession.IovaBase, (ulong)Size, out _, out var unmapErrno), unmapErrno, "IOMMU_IOAS_UNMAP");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _buffer?.Dispose();
    }

    /// <summary>C# vs the C loop on the same IOAS and buffer, in interleaved rounds.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        if (!CBaselines.Available) yield break;
        foreach (var device in new[] { false, true })
        foreach (var size in new[] { 4096L, 2L << 20, 1L << 30 })
        {
            (Device, Size) = (device, size);
            Setup();
            try
            {
                var c = CBaselines.IoasLoop(_session!, CBaselines.LoopKind.MapUnmap, _buffer!.Address, (ulong)size);
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(MapUnmap)).Text, c, CBaselines.Repeat(MapUnmap))) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
