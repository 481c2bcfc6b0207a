using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The same DMA mapping work through the two kernel interfaces behind one <see cref="IDmaMapper"/>: legacy
/// VFIO type1 (the edu device's group in a container, VFIO_IOMMU_MAP_DMA) vs an iommufd IOAS with the device
/// attached (IOMMU_IOAS_MAP). Both pin at map time. Guest only. C side: bench/c/type1.c and bench/c/iommufd.c.</summary>
[MemoryDiagnoser]
public class Type1Bench : IProbed
{
    public enum Interface { Type1, Iommufd }

    private IDisposable[] _owned = [];
    private IDmaMapper? _mapper;
    private DmaBuffer? _buffer;

    [Params(4096L, 2L << 20)]
    public long Size { get; set; }

    [Params(Interface.Type1, Interface.Iommufd)]
    public Interface Backend { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = DmaBuffer.Allocate(Size);
        if (Backend == Interface.Iommufd)
        {
            var session = IommuSession.Open(attachDevice: true);
            (_mapper, _owned) = (session.Ioas, [session]);
            return;
        }
        var container = VfioContainer.Open();
        var group = VfioGroup.Open(QemuEduDevice.Group);
        group.SetContainer(container);
        container.SetIommu();
        (_mapper, _owned) = (container, [group, container]); // the group leaves the container before it closes
    }

    [Benchmark]
    public void MapUnmap()
    {
        Expect.Ok(_mapper!.TryMap(IommuSession.IovaBase, _buffer!.Address, (ulong)Size, DmaAccess.ReadWrite), "VFIO_IOMMU_MAP_DMA");
        Expect.Ok(_mapper.TryUnmap(IommuSession.IovaBase, (ulong)Size, out _), "VFIO_IOMMU_UNMAP_DMA");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var owned in _owned) owned.Dispose();
        _buffer?.Dispose();
    }

    /// <summary>Each backend against its C loop on the same container or IOAS, in interleaved rounds.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        if (!CBaselines.Available) yield break;
        foreach (var size in new[] { 4096L, 2L << 20 })
        foreach (var backend in new[] { Interface.Type1, Interface.Iommufd })
        {
            (Size, Backend) = (size, backend);
            Setup();
            try
            {
                var c = _mapper is VfioContainer container
                    ? CBaselines.Type1Loop(container, _buffer!.Address, (ulong)size)
                    : CBaselines.IoasLoop((IommuSession)_owned[0], CBaselines.IoasKind.MapUnmap, _buffer!.Address, (ulong)size);
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(MapUnmap)).Text, c, CBaselines.Repeat(MapUnmap))) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
