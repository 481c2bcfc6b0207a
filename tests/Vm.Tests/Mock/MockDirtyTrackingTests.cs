using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Linux.Iommu.Testing.Native;

namespace Vm.Tests.Mock;

/// <summary>Dirty tracking on the selftest mock (iommufd.c FIXTURE(iommufd_dirty_tracking): set_dirty_tracking,
/// get_dirty_bitmap, enforce_dirty), read through <see cref="IDirtyTracker"/> as a VMM would: a dirty-tracking HWPT on the
/// IOAS, pages marked dirty by the mock as a device would by writing (IOMMU_TEST_OP_DIRTY), and IOMMU_HWPT_GET_DIRTY_BITMAP
/// reporting exactly those. The mock stands in for an IOMMU with dirty tracking, which none of the tier's emulated ones
/// has (Runtime/DirtyTrackingTests asserts that refusal on the real VT-d and SMMUv3).</summary>
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

        /// <summary>The HWPT as the runtime's one dirty-tracking API sees it.</summary>
        public IDirtyTracker Tracker => Hwpt;

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
            Tracker.ReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, bitmap, keepDirty);
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
        dirty.Tracker.SetDirtyTracking(true);
        int[] written = [0, 1, 7, 31, 32, 63];

        var marked = dirty.Mark(written);
        var first = dirty.Read();
        var again = dirty.Read();

        Assert.Equal((ulong)written.Length, marked);
        Assert.Equal(Bits(written), first);
        Assert.Equal(Bits(), again); // "It as read already -- expect all zeroes"
        dirty.Tracker.SetDirtyTracking(false);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_with_no_clear_keeps_the_dirty_bits()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Tracker.SetDirtyTracking(true);
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

    [Fact]
    [Trait("Category", "Vm")]
    public void A_read_clears_the_callers_bitmap_words_first_so_they_hold_exactly_the_dirty_pages()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Tracker.SetDirtyTracking(true);
        dirty.Mark(2, 33);
        ulong[] bitmap = [ulong.MaxValue, ulong.MaxValue]; // one word for the 64 pages, one beyond them

        var read = dirty.Tracker.TryReadDirtyBitmap(MockIoas.ApertureStart, Length, PageSize, bitmap, keepDirty: false, out var errno);

        KernelAssert.Errno(0, read, errno);
        Assert.Equal(Bits(2, 33)[0], bitmap[0]);
        Assert.Equal(ulong.MaxValue, bitmap[1]); // beyond the range: untouched
        Assert.Equal(2, DirtyBitmap.CountDirty(bitmap.AsSpan(0, 1)));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_read_at_a_page_size_of_several_mock_pages_reports_the_bigger_page_dirty()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Tracker.SetDirtyTracking(true);
        dirty.Mark(5, 40); // at pages of two small pages: page 5 is in big page 2, page 40 in big page 20
        var bigPage = 2 * PageSize;
        var bitmap = new ulong[DirtyBitmap.Words(Length, bigPage)];

        dirty.Tracker.ReadDirtyBitmap(MockIoas.ApertureStart, Length, bigPage, bitmap);

        Assert.Equal(1UL << 2 | 1UL << 20, bitmap[0]);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_read_past_the_mapping_reads_the_unmapped_pages_clean_and_one_inside_it_reads_its_part()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var dirty = new DirtyTracking();
        dirty.Tracker.SetDirtyTracking(true);
        dirty.Mark(10, 63);
        var beyond = new ulong[DirtyBitmap.Words(2 * Length, PageSize)];
        var part = new ulong[1];

        // measured on 7.3: unlike type1, which refuses a range that cuts a mapping, iommufd reads any aligned range
        var keep = dirty.Tracker.TryReadDirtyBitmap(MockIoas.ApertureStart, 2 * Length, PageSize, beyond, keepDirty: true, out var errno);
        KernelAssert.Errno(0, keep, errno);
        dirty.Tracker.ReadDirtyBitmap(MockIoas.ApertureStart + 8 * PageSize, 16 * PageSize, PageSize, part);

        Assert.Equal([1UL << 10 | 1UL << 63, 0UL], beyond);
        Assert.Equal([1UL << 2], part);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Tracking_on_a_HWPT_allocated_without_dirty_tracking_is_refused_with_EOPNOTSUPP()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var hwpt = HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id);
        IDirtyTracker plain = hwpt;

        var set = plain.TrySetDirtyTracking(true, out var errno);

        KernelAssert.Errno(Errno.EOPNOTSUPP, set, errno);
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_SET_DIRTY_TRACKING), Errno.EOPNOTSUPP, () => plain.SetDirtyTracking(true));
        Assert.Contains("was not allocated with dirty tracking", error.Message);
    }
}
