using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Dirty tracking through <see cref="VfioDeviceSet.PrepareDirtyTracking"/> with edu's DMA writing pages, on the
/// backend each kernel has. type1 (every x86 and arm64 kernel of the tier, Debian's stock ones included): what the kernel
/// reports is asserted exactly — every page of every mapping in the range, whether written or not, because vfio-pci
/// devices do not pin their pages and type1 then cannot tell which pages they wrote (vfio_iommu_type1.c
/// update_user_bitmap: num_non_pinned_groups marks the whole mapping dirty). iommufd: QEMU's emulated VT-d and SMMUv3
/// have no dirty tracking (IOMMU_HW_CAP_DIRTY_TRACKING clear), so the kernel refuses the dirty-tracking HWPT; the
/// iommufd read path is tested on the selftest mock (Mock/MockDirtyTrackingTests).</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class DirtyTrackingTests
{
    private const int MappingPages = 16;
    private static readonly ulong Page = EduSet.Page;

    /// <summary>Two mappings of 16 pages with a 16-page hole between them: [A][hole][B], 48 pages in all.</summary>
    private sealed class TwoMappings : IDisposable
    {
        public TwoMappings(EduSet edu)
        {
            Edu = edu;
            Base = edu.Base;
            A = DmaBuffer.Allocate((int)(MappingPages * Page));
            B = DmaBuffer.Allocate((int)(MappingPages * Page));
            edu.Mapper.Map(Base, A, DmaAccess.ReadWrite);
            edu.Mapper.Map(Base + 2 * MappingPages * Page, B, DmaAccess.ReadWrite);
        }

        public EduSet Edu { get; }
        public ulong Base { get; }
        public DmaBuffer A { get; }
        public DmaBuffer B { get; }
        public static ulong Length => 3 * MappingPages * Page;

        /// <summary>The bitmap type1 reports for the range: both mappings whole, the hole clean.</summary>
        public static ulong[] EveryMappedPage()
        {
            var bitmap = new ulong[DirtyBitmap.Words(Length, Page)];
            for (var page = 0; page < 3 * MappingPages; page++)
                if (page < MappingPages || page >= 2 * MappingPages) bitmap[page / 64] |= 1UL << (page % 64);
            return bitmap;
        }

        public void Dispose()
        {
            Edu.Mapper.Unmap(Base, A);
            Edu.Mapper.Unmap(Base + 2 * MappingPages * Page, B);
            A.Dispose();
            B.Dispose();
        }
    }

    private static ulong[] Read(IDirtyTracker tracker, ulong iova)
    {
        var bitmap = new ulong[DirtyBitmap.Words(TwoMappings.Length, Page)];
        tracker.ReadDirtyBitmap(iova, TwoMappings.Length, Page, bitmap);
        return bitmap;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Type1_reports_every_page_of_every_mapping_dirty_the_pages_edu_wrote_among_them_and_the_hole_clean()
    {
        using var edu = EduSet.Open(IommuBackend.Type1);
        using var mappings = new TwoMappings(edu);
        var (device, bar0) = edu.OpenEdu();
        using (bar0)
        {
            var tracker = edu.Set.PrepareDirtyTracking();
            Assert.Same(edu.Set.Container, tracker);
            tracker.SetDirtyTracking(true);
            var beforeDma = Read(tracker, mappings.Base);

            mappings.A.Span.Fill(0x5A);
            mappings.B.Span.Fill(0xEE);
            device.CopyToDevice(mappings.Base, QemuEduDevice.MaxTransfer);                        // a read of A's page 0
            device.CopyFromDevice(mappings.Base + (2 * MappingPages + 3) * Page, QemuEduDevice.MaxTransfer); // a write of B's page 3
            Assert.True(mappings.B.Span.Slice(3 * (int)Page, QemuEduDevice.MaxTransfer).IndexOfAnyExcept((byte)0x5A) < 0, "edu's DMA write did not reach B's page 3");
            var afterDma = Read(tracker, mappings.Base);
            var again = Read(tracker, mappings.Base);
            tracker.SetDirtyTracking(false);

            // Measured on every kernel of the tier: the whole of both mappings, before any DMA as after it, and again after a
            // read (which clears, then marks every page of a non-pinning device's mappings again); the hole is clean.
            var expected = TwoMappings.EveryMappedPage();
            Assert.Equal(expected, beforeDma);
            Assert.Equal(expected, afterDma);
            Assert.Equal(expected, again);
            Assert.True(DirtyBitmap.IsDirty(afterDma, 2 * MappingPages + 3), "the page edu wrote is not reported dirty");
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Type1_reports_its_page_size_and_bitmap_limit_in_the_migration_capability()
    {
        using var edu = EduSet.Open(IommuBackend.Type1);

        var dirty = edu.Set.Container!.GetInfo().DirtyTracking;

        Assert.NotNull(dirty);
        Assert.Equal(Page, dirty.PageSize);
        Assert.Equal(256UL << 20, dirty.MaxBitmapBytes); // DIRTY_BITMAP_SIZE_MAX: INT_MAX pages rounded up to 64 bits
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Type1_refuses_a_read_before_tracking_starts_and_one_that_cuts_a_mapping_with_EINVAL()
    {
        using var edu = EduSet.Open(IommuBackend.Type1);
        using var mappings = new TwoMappings(edu);
        var tracker = edu.Set.PrepareDirtyTracking();
        var bitmap = new ulong[DirtyBitmap.Words(TwoMappings.Length, Page)];

        var notStarted = tracker.TryReadDirtyBitmap(mappings.Base, TwoMappings.Length, Page, bitmap, keepDirty: false, out var errno);
        KernelAssert.Errno(Errno.EINVAL, notStarted, errno);
        tracker.SetDirtyTracking(true);
        var cut = tracker.TryReadDirtyBitmap(mappings.Base + Page, MappingPages * Page, Page, bitmap, keepDirty: false, out errno);
        KernelAssert.Errno(Errno.EINVAL, cut, errno);
        var error = KernelAssert.Fails(nameof(Ioctls.VFIO_IOMMU_DIRTY_PAGES), Errno.EINVAL,
            () => tracker.ReadDirtyBitmap(mappings.Base + Page, MappingPages * Page, Page, bitmap));
        Assert.Contains("the range cuts a mapping", error.Message);
        tracker.SetDirtyTracking(false);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Type1_refuses_before_the_kernel_a_read_that_keeps_the_dirty_state_or_uses_another_page_size()
    {
        using var edu = EduSet.Open(IommuBackend.Type1);
        using var mappings = new TwoMappings(edu);
        var tracker = edu.Set.PrepareDirtyTracking();
        tracker.SetDirtyTracking(true);
        var bitmap = new ulong[DirtyBitmap.Words(TwoMappings.Length, Page)];

        Assert.Throws<NotSupportedException>(() => tracker.ReadDirtyBitmap(mappings.Base, TwoMappings.Length, Page, bitmap, keepDirty: true));
        var pageSize = Assert.Throws<ArgumentException>(() => tracker.ReadDirtyBitmap(0, 2UL << 20, 2UL << 20, bitmap));
        Assert.Contains($"only at the container's smallest IOMMU page size 0x{Page:x}", pageSize.Message);
        tracker.SetDirtyTracking(false);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void QEMUs_emulated_IOMMU_offers_no_dirty_tracking_and_iommufd_refuses_the_dirty_tracking_HWPT_with_EOPNOTSUPP()
    {
        using var edu = EduSet.Open(IommuBackend.Iommufd);
        var info = edu.Set.Devices[0].GetHwInfo()!;

        Assert.False(info.Capabilities.HasFlag(HwCapabilities.DirtyTracking), info.Describe());
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EOPNOTSUPP, () => edu.Set.PrepareDirtyTracking());
        Assert.Contains("cannot track dirty pages (IOMMU_HW_CAP_DIRTY_TRACKING", error.Message);

        // nothing was left half-done: edu still does DMA through the set's IOAS
        using var buffer = DmaBuffer.Allocate((int)Page);
        var (device, bar0) = edu.OpenEdu();
        using (bar0)
        {
            edu.Mapper.Map(edu.Base, buffer, DmaAccess.ReadWrite);
            buffer.Span.Fill(0x33);
            device.CopyToDevice(edu.Base, 64);
            buffer.Span.Clear();
            device.CopyFromDevice(edu.Base, 64);
            Assert.True(buffer.Span[..64].IndexOfAnyExcept((byte)0x33) < 0, "edu's DMA through the IOAS failed after the refused dirty-tracking HWPT");
            edu.Mapper.Unmap(edu.Base, buffer);
        }
    }
}
