using Linux.Iommu.Bench.Suites;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The guest's edu device behind one <see cref="IDmaMapper"/> of either kernel interface: an iommufd IOAS with
/// the device attached (IOMMU_IOAS_MAP), or a VFIO type1 container holding the device's group (VFIO_IOMMU_MAP_DMA).
/// Both pin at map time. The suites map through <see cref="Mapper"/> and time the C twin of the same backend on the
/// same descriptor (<see cref="CLoop"/>).</summary>
internal sealed class EduMapper : IDisposable
{
    private readonly IDisposable[] _owned;

    private EduMapper(IDmaMapper mapper, string mapIoctl, string unmapIoctl, params IDisposable[] owned)
    {
        (Mapper, MapIoctl, UnmapIoctl, _owned) = (mapper, mapIoctl, unmapIoctl, owned);
    }

    public IDmaMapper Mapper { get; }

    /// <summary>The ioctl a failed map or unmap names.</summary>
    public string MapIoctl { get; }

    public string UnmapIoctl { get; }

    public static EduMapper Open(Type1Bench.Interface backend)
    {
        if (backend == Type1Bench.Interface.Iommufd)
        {
            var session = IommuSession.Open(attachDevice: true);
            return new EduMapper(session.Ioas, "IOMMU_IOAS_MAP", "IOMMU_IOAS_UNMAP", session);
        }
        var container = VfioContainer.Open();
        var group = VfioGroup.Open(QemuEduDevice.Group);
        group.SetContainer(container);
        container.SetIommu();
        return new EduMapper(container, "VFIO_IOMMU_MAP_DMA", "VFIO_IOMMU_UNMAP_DMA", group, container); // the group leaves the container before it closes
    }

    /// <summary>The C twin's loop of <paramref name="kind"/> on this IOAS or container (bench/c/iommufd.c, bench/c/type1.c).</summary>
    public Action<long> CLoop(CBaselines.LoopKind kind, nint va, ulong length) => _owned[0] is IommuSession session
        ? CBaselines.IoasLoop(session, kind, va, length)
        : CBaselines.Type1Loop((VfioContainer)Mapper, kind, va, length);

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }
}
