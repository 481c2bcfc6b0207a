using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The same DMA mapping work through the two kernel interfaces behind one <see cref="IDmaMapper"/>: legacy
/// VFIO type1 (the edu device's group in a container, VFIO_IOMMU_MAP_DMA) vs an iommufd IOAS with the device
/// attached (IOMMU_IOAS_MAP). Both pin at map time. On a kernel whose boot declares no iommufd (Debian's own images,
/// the type1 set) only the type1 side runs. Guest only. C side: bench/c/type1.c and bench/c/iommufd.c.</summary>
[MemoryDiagnoser]
public class Type1Bench : IProbed
{
    public enum Interface { Type1, Iommufd }

    private EduMapper? _target;
    private DmaBuffer? _buffer;

    [Params(4096L, 2L << 20, 1L << 30)]
    public long Size { get; set; }

    [ParamsSource(nameof(Backends))]
    public Interface Backend { get; set; }

    /// <summary>Both interfaces, but only type1 in a guest whose kernel declares no iommufd (run-in-vm passes its line of
    /// tests/vm/kernel-offers.conf as IOMMU_INTEROP_KERNEL_OFFERS; outside a guest, every case is known).</summary>
    public static IEnumerable<Interface> Backends =>
        Environment.GetEnvironmentVariable("IOMMU_INTEROP_KERNEL_OFFERS") is { } offers && !offers.Split(' ').Contains("iommufd")
            ? [Interface.Type1]
            : [Interface.Type1, Interface.Iommufd];

    [GlobalSetup]
    public void Setup()
    {
        _buffer = DmaBuffer.Allocate(Size);
        _target = EduMapper.Open(Backend);
    }

    [Benchmark]
    public void MapUnmap()
    {
        Expect.Ok(_target!.Mapper.TryMap(IommuSession.IovaBase, _buffer!.Address, (ulong)Size, DmaAccess.ReadWrite, out var mapErrno), mapErrno, _target.MapIoctl);
        Expect.Ok(_target.Mapper.TryUnmap(IommuSession.IovaBase, (ulong)Size, out _, out var unmapErrno), unmapErrno, _target.UnmapIoctl);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _target?.Dispose();
        _buffer?.Dispose();
    }

    /// <summary>Each backend against its C loop on the same container or IOAS, in interleaved rounds.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        if (!CBaselines.Available) yield break;
        foreach (var size in new[] { 4096L, 2L << 20, 1L << 30 })
        foreach (var backend in Backends)
        {
            (Size, Backend) = (size, backend);
            Setup();
            try
            {
                var c = _target!.CLoop(CBaselines.LoopKind.MapUnmap, _buffer!.Address, (ulong)size);
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(MapUnmap)).Text, c, CBaselines.Repeat(MapUnmap))) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
