using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Linux.Iommu.Testing.Native;

namespace Vm.Tests.Mock;

/// <summary>Dirty tracking on the selftest mock (iommufd.c FIXTURE(iommufd_dirty_tracking): set_dirty_tracking,
/// get_dirty_bitmap, enforce_dirty): a dirty-tracking HWPT on the IOAS, pages marked dirty by the mock as a device
/// would by writing (IOMMU_TEST_OP_DIRTY), and IOMMU_HWPT_GET_DIRTY_BITMAP reporting exactly those.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class MockDirtyTrackingTests
{
    private const int Pages = 64;
    private static readonly ulong PageSize = (ulong)SmallPages.PageSize;
    private static readonly ulong Length = Pages * PageSize;

    /// <summary>The fixture's setup: huge IOPTEs off (IOMMU_OPTION_HUGE_PAGES 0) so every page is its own PTE and a
    /// dirty bit names one page, the buffer mapped at the mock aperture, a dirty-tracking HWPT allocated on the IOAS.</summary>
    private sealed class DirtyTracking : IDisposable
    {
        public MockIoas Mock { get; } = new();
        public SmallPages Buffer { get; } = SmallPages.Anonymous((long)Length);
        public HwPagetable Hwpt { get; }

        public DirtyTracking()
        {
            Mock.Ioas.HugePages = false;
            Mock.Ioas.Map(MockIoas.ApertureStart, Buffer.Address, Length, DmaAccess.ReadWrite);
            Hwpt = HwPagetable.Allocate(Mock.Iommu, Mock.Device.IdevId, Mock.Ioas.Id, HwptAllocFlags.DirtyTracking);
        }

        public ulong Mark(params int[] pages) => SelftestMock.MarkDirty(Mock.Iommu, Hwpt.Id, MockIoas.ApertureStart, Length, PageSize, Bits(pages));

        public ulong[] Read(bool keepDirty = false)
        {
            var bitmap = new ulong[Bits().Length];
            Hwpt.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, bitmap, keepDirty);
            return bitmap;
        }

        public void Dispose()
        {
            Hwpt.Dispose();
            Mock.Dispose(); // closes the iommufd: the mapping goes, the pages are unpinned
            Buffer.Dispose();
        }
    }

    private static ulong[] Bits(params int[] pages)
    {
        var bitmap = new ulong[(Pages + 63) / 64];
        foreach (var page in pages) bitmap[page / 64] |= 1UL << (page % 64);
        return bitmap;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Pages_the_mock_marks_dirty_are_exactly_the_bits_the_bitmap_reports_and_reading_clears_them()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Hwpt.SetDirtyTracking(true);
        int[] written = [0, 1, 7, 31, 32, 63];

        var marked = dirty.Mark(written);
        var first = dirty.Read();
        var again = dirty.Read();

        Assert.Equal((ulong)written.Length, marked);
        Assert.Equal(Bits(written), first);
        Assert.Equal(Bits(), again); // "It as read already -- expect all zeroes"
        dirty.Hwpt.SetDirtyTracking(false);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_with_no_clear_keeps_the_dirty_bits()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Hwpt.SetDirtyTracking(true);
        dirty.Mark(5, 40);

        var first = dirty.Read(keepDirty: true); // get_dirty_bitmap_no_clear
        var second = dirty.Read(keepDirty: true);

        Assert.Equal(Bits(5, 40), first);
        Assert.Equal(Bits(5, 40), second);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_mock_refuses_to_mark_pages_while_tracking_is_off()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();

        // selftest.c iommufd_test_dirty: EINVAL unless the mock domain has MOCK_DIRTY_TRACK set
        KernelAssert.Fails(nameof(Linux.Iommu.Testing.Native.SelftestIoctls.IOMMU_TEST_CMD), Errno.EINVAL, () => dirty.Mark(0));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_device_without_dirty_tracking_cannot_get_a_dirty_tracking_hwpt()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas(SelftestConstants.MOCK_FLAGS_DEVICE_NO_DIRTY); // enforce_dirty: "IOMMU device does not support dirty tracking"

        KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EOPNOTSUPP,
            () => HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id, HwptAllocFlags.DirtyTracking).Dispose());
    }
}
