using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The short calls of <see cref="IoasMapBench"/> (map + unmap on an IOAS without a device: the kernel only
/// records the area) made through one <see cref="DmaSession"/>, which leases the iommufd once for
/// <see cref="CallsPerSession"/> pairs instead of once per call. Guest only. C twin: IoasMapBench's loop of bench/c/iommufd.c
/// (the same ioctls).</summary>
[MemoryDiagnoser]
public class IoasSessionBench : IProbed
{
    public const int CallsPerSession = 64;
    private IommuSession? _session;
    private DmaBuffer? _buffer;

    [Params(4096L, 2L << 20, 1L << 30)]
    public long Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = IommuSession.Open(attachDevice: false);
        _buffer = DmaBuffer.Allocate(Size);
    }

    [Benchmark(OperationsPerInvoke = CallsPerSession)]
    public void MapUnmap() => Pairs(CallsPerSession);

    private void Pairs(long n)
    {
        var ioas = _session!.Ioas;
        using var session = ioas.OpenSession();
        for (var i = 0; i < n; i++)
        {
            Expect.Ok(session.TryMap(IommuSession.IovaBase, _buffer!.Address, (ulong)Size, DmaAccess.ReadWrite, out var mapErrno), mapErrno, "IOMMU_IOAS_MAP");
            Expect.Ok(session.TryUnmap(IommuSession.IovaBase, (ulong)Size, out _, out var unmapErrno), unmapErrno, "IOMMU_IOAS_UNMAP");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _buffer?.Dispose();
    }

    /// <summary>C# in one session per round vs the C loop on the same IOAS and buffer, in interleaved rounds.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        if (!CBaselines.Available) yield break;
        foreach (var size in new[] { 4096L, 2L << 20, 1L << 30 })
        {
            Size = size;
            Setup();
            try
            {
                var c = CBaselines.IoasLoop(_session!, CBaselines.LoopKind.MapUnmap, _buffer!.Address, (ulong)size);
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(MapUnmap)).Text, c, Pairs)) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
