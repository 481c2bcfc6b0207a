using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>The VFIO type1 ioctls: iommufd's compatibility layer on /dev/iommu, and the legacy container.</summary>
public sealed partial class BadInputTests
{
    private static vfio_iommu_type1_dma_map DmaMap(DmaBuffer buffer, ulong iova) => new()
    {
        argsz = vfio_iommu_type1_dma_map.NativeSize,
        flags = Constants.VFIO_DMA_MAP_FLAG_READ | Constants.VFIO_DMA_MAP_FLAG_WRITE,
        vaddr = (ulong)buffer.Address,
        iova = iova,
        size = (ulong)buffer.Length,
    };

    /// <summary>VFIO_IOMMU_MAP_DMA of a page, changed by <paramref name="change"/>, on a fresh iommufd (no compat IOAS).</summary>
    private static int CompatMapDma(Func<vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_map> change)
    {
        using var iommu = IommuFd.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var map = change(DmaMap(buffer, 0x100000));
        return Ioctls.TryVFIO_IOMMU_MAP_DMA(RawIoctl.Fd(iommu.Handle), ref map);
    }

    // selftest: TEST_F(iommufd, map_cmd) "argsz = 1"
    [Fact]
    public void Vfio_compat_map_dma_with_argsz_1_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        KernelAssert.Errno(Errno.EINVAL, CompatMapDma(map => map with { argsz = 1 }));
    }

    // selftest: TEST_F(iommufd, map_cmd) "flags = 1 << 31"
    [Fact]
    public void Vfio_compat_map_dma_with_an_unknown_flag_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        KernelAssert.Errno(Errno.EINVAL, CompatMapDma(map => map with { flags = 1u << 31 }));
    }

    // selftest: TEST_F(iommufd, map_cmd) "Requires a domain to be attached"
    [Fact]
    public void Vfio_compat_map_dma_without_a_compat_ioas_fails_with_ENODEV()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        KernelAssert.Errno(Errno.ENODEV, CompatMapDma(map => map));
    }

    [Fact]
    public void Vfio_compat_unmap_dma_with_argsz_1_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, unmap_cmd) "argsz = 1"
        using var iommu = IommuFd.Open();
        var unmap = vfio_iommu_type1_dma_unmap.Create();
        unmap.argsz = 1;
        unmap.iova = 0x100000;
        unmap.size = Page;
        KernelAssert.Errno(Errno.EINVAL, Ioctls.TryVFIO_IOMMU_UNMAP_DMA(RawIoctl.Fd(iommu.Handle), ref unmap));
    }

    [Fact]
    public void Vfio_compat_set_iommu_without_a_compat_ioas_fails_with_ENODEV()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, set_iommu_cmd) "Requires a domain to be attached"
        using var iommu = IommuFd.Open();
        KernelAssert.Errno(Errno.ENODEV, Ioctls.TryVFIO_SET_IOMMU(RawIoctl.Fd(iommu.Handle), (nuint)Constants.VFIO_TYPE1v2_IOMMU));
    }

    [Fact]
    public void Legacy_container_map_dma_with_argsz_too_small_fails_with_EINVAL()
    {
        // selftest: TEST_F(iommufd, map_cmd) "argsz = 1", on the real type1 driver: drivers/vfio/vfio_iommu_type1.c
        // vfio_iommu_type1_map_dma "argsz < minsz -> EINVAL"
        using var legacy = LegacyContainer.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var map = DmaMap(buffer, 0x100000);
        map.argsz = vfio_iommu_type1_dma_map.NativeSize - 1;
        KernelAssert.Errno(Errno.EINVAL, Ioctls.TryVFIO_IOMMU_MAP_DMA(RawIoctl.Fd(legacy.Container.Handle), ref map));
        Assert.Equal(0UL, legacy.Container.UnmapAll());
    }

    [Fact]
    public void Legacy_container_overlapping_map_fails_with_EEXIST()
    {
        // selftest: TEST_F(iommufd_ioas, area) "Over map fails", through the IDmaMapper the runtime shares with an IOAS
        using var legacy = LegacyContainer.Open();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        legacy.Container.Map(0x100000, buffer, DmaAccess.Read);

        KernelAssert.Fails(nameof(Ioctls.VFIO_IOMMU_MAP_DMA), Errno.EEXIST, () => legacy.Container.Map(0x100000 + Page, buffer.Address, Page, DmaAccess.Read));

        legacy.Container.Unmap(0x100000, buffer);
        Assert.Equal(0UL, legacy.Container.UnmapAll());
    }

    [Fact]
    public void Legacy_container_unmap_of_nothing_succeeds_with_length_0_unlike_an_ioas()
    {
        // selftest: TEST_F(vfio_compat_mock_domain, map) "Unmap of empty is success" — where an IOAS says ENOENT
        // (TEST_F(iommufd_ioas, area)), so IDmaMapper.TryUnmap callers must accept both
        using var legacy = LegacyContainer.Open();
        KernelAssert.Errno(0, legacy.Container.TryUnmap(0x100000, Page, out var unmapped, out var unmapErrno), unmapErrno);
        Assert.Equal(0UL, unmapped);
    }

    /// <summary>The edu device's group in a type1v2 container.</summary>
    private sealed class LegacyContainer : IDisposable
    {
        private readonly VfioGroup _group;

        private LegacyContainer(VfioContainer container, VfioGroup group)
        {
            Container = container;
            _group = group;
        }

        public VfioContainer Container { get; }

        public static LegacyContainer Open()
        {
            var container = VfioContainer.Open();
            var group = VfioGroup.Open(QemuEduDevice.Group);
            group.SetContainer(container);
            container.SetIommu();
            return new LegacyContainer(container, group);
        }

        public void Dispose()
        {
            _group.Dispose();
            Container.Dispose();
        }
    }
}
