using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using MockConstants = Linux.Iommu.Testing.Native.Constants;

namespace Vm.Tests.Mock;

/// <summary>Dirty tracking on the selftest mock (iommufd.c FIXTURE(iommufd_dirty_tracking): set_dirty_tracking,
/// get_dirty_bitmap, enforce_dirty): a dirty-tracking HWPT on the IOAS, pages marked dirty by the mock as a device
/// would by writing (IOMMU_TEST_OP_DIRTY), and IOMMU_HWPT_GET_DIRTY_BITMAP reporting exactly those.</summary>
public sealed class MockDirtyTrackingTests
{
    private const int Pages = 64;
    private static readonly ulong PageSize = (ulong)SmallPages.PageSize;
    private static readonly ulong Length = Pages * PageSize;

    /// <summary>The fixture's setup: huge IOPTEs off (IOMMU_OPTION_HUGE_PAGES 0) so every page is its own PTE and a
    /// dirty bit names one page, the buffer mapped at the mock aperture, a dirty-tracking HWPT allocated on the IOAS.</summary>
    private static (MockIoas Mock, SmallPages Buffer, HwPagetable Hwpt) Setup()
    {
        var mock = new MockIoas();
        mock.Ioas.HugePages = false;
        var buffer = SmallPages.Anonymous((long)Length);
        mock.Ioas.Map(MockIoas.ApertureStart, buffer.Address, Length, DmaAccess.ReadWrite);
        var hwpt = HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        return (mock, buffer, hwpt);
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
        var (mock, buffer, hwpt) = Setup();
        using (mock)
        using (buffer)
        using (hwpt)
        {
            hwpt.SetDirtyTracking(true);
            int[] written = [0, 1, 7, 31, 32, 63];

            var marked = SelftestMock.MarkDirty(mock.Iommu, hwpt.Id, MockIoas.ApertureStart, Length, PageSize, Bits(written));
            var bitmap = new ulong[Bits().Length];
            hwpt.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, bitmap);
            var again = new ulong[bitmap.Length];
            hwpt.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, again);

            Assert.Equal((ulong)written.Length, marked);
            Assert.Equal(Bits(written), bitmap);
            Assert.Equal(Bits(), again); // "It as read already -- expect all zeroes"
            hwpt.SetDirtyTracking(false);
            mock.Ioas.UnmapAll();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_with_no_clear_keeps_the_dirty_bits()
    {
        var (mock, buffer, hwpt) = Setup();
        using (mock)
        using (buffer)
        using (hwpt)
        {
            hwpt.SetDirtyTracking(true);
            SelftestMock.MarkDirty(mock.Iommu, hwpt.Id, MockIoas.ApertureStart, Length, PageSize, Bits(5, 40));
            var first = new ulong[Bits().Length];
            var second = new ulong[first.Length];

            hwpt.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, first, keepDirty: true); // get_dirty_bitmap_no_clear
            hwpt.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, second, keepDirty: true);

            Assert.Equal(Bits(5, 40), first);
            Assert.Equal(Bits(5, 40), second);
            mock.Ioas.UnmapAll();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_mock_refuses_to_mark_pages_while_tracking_is_off()
    {
        var (mock, buffer, hwpt) = Setup();
        using (mock)
        using (buffer)
        using (hwpt)
        {
            // selftest.c iommufd_test_dirty: EINVAL unless the mock domain has MOCK_DIRTY_TRACK set
            KernelAssert.Fails(nameof(Linux.Iommu.Testing.Native.Ioctls.IOMMU_TEST_CMD), Errno.EINVAL,
                () => SelftestMock.MarkDirty(mock.Iommu, hwpt.Id, MockIoas.ApertureStart, Length, PageSize, Bits(0)));
            mock.Ioas.UnmapAll();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_device_without_dirty_tracking_cannot_get_a_dirty_tracking_hwpt()
    {
        using var mock = new MockIoas(MockConstants.MOCK_FLAGS_DEVICE_NO_DIRTY); // enforce_dirty: "IOMMU device does not support dirty tracking"

        KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EOPNOTSUPP,
            () => HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_DIRTY_TRACKING).Dispose());
    }
}
