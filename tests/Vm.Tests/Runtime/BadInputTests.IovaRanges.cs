using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>IOMMU_IOAS_IOVA_RANGES and IOMMU_IOAS_ALLOW_IOVAS against the device's reserved ranges.</summary>
public sealed partial class BadInputTests
{
    [Fact]
    public unsafe void Iova_ranges_with_room_for_none_fails_with_EMSGSIZE_and_reports_the_count()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, iova_ranges) "Buffer too small" with num_iovas = 0
        using var rig = EduIoas.Open();
        var expected = rig.Ioas.GetIovaRanges().Ranges;
        var query = iommu_ioas_iova_ranges.Create();
        query.ioas_id = rig.Ioas.Id;

        KernelAssert.Errno(Errno.EMSGSIZE, Ioctls.TryIOMMU_IOAS_IOVA_RANGES(RawIoctl.Fd(rig.Iommu.Handle), ref query));

        Assert.Equal((uint)expected.Length, query.num_iovas);
        Assert.Equal(2, expected.Length); // the edu device's MSI window splits the space in two
        rig.AssertNothingLeft();
    }

    [Fact]
    public unsafe void Iova_ranges_with_room_for_one_of_two_fails_with_EMSGSIZE_and_fills_the_first()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, iova_ranges) second "Buffer too small": num_iovas 1 of 2, ranges[0] filled,
        // ranges[1] untouched
        using var rig = EduIoas.Open();
        var expected = rig.Ioas.GetIovaRanges().Ranges;
        var ranges = stackalloc iommu_iova_range[2];
        var query = iommu_ioas_iova_ranges.Create();
        query.ioas_id = rig.Ioas.Id;
        query.num_iovas = 1;
        query.allowed_iovas = (ulong)ranges;

        KernelAssert.Errno(Errno.EMSGSIZE, Ioctls.TryIOMMU_IOAS_IOVA_RANGES(RawIoctl.Fd(rig.Iommu.Handle), ref query));

        Assert.Equal(2u, query.num_iovas);
        Assert.Equal(expected[0], new IovaRange(ranges[0].start, ranges[0].last));
        Assert.Equal(default, new IovaRange(ranges[1].start, ranges[1].last));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Allow_iovas_intersecting_a_reserved_range_fails_with_EADDRINUSE_and_keeps_the_previous_list()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area_auto_iova) "Allowed region intersects with a reserved region"; the kernel
        // swaps the allowed tree only on success (ioas.c iommufd_ioas_allow_iovas)
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var hole = rig.ReservedHole();
        var previous = new IovaRange(rig.Base, rig.Base + (1 << 20) - 1);
        rig.Ioas.AllowIovas([previous]);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_ALLOW_IOVAS), Errno.EADDRINUSE,
            () => rig.Ioas.AllowIovas([new IovaRange(hole.Start - Page, hole.Start + Page - 1)]));

        var iova = rig.Ioas.MapAnywhere(buffer.Address, Page, DmaAccess.Read);
        Assert.True(previous.Contains(iova, Page), $"0x{iova:x} is outside the allowed list set before the failure, {previous}");
        rig.Ioas.Unmap(iova, Page);
        rig.Ioas.AllowIovas([]);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Attaching_a_device_whose_reserved_range_is_allowed_fails_with_EADDRINUSE()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area_allowed) "Reserved intersects an allowed": there a mock reserved range
        // is added to an IOAS with allowed IOVAs; here the edu device brings its own on attach.
        using var rig = EduIoas.Open();
        var hole = rig.ReservedHole();
        using var other = rig.Iommu.AllocIoas();
        other.AllowIovas([new IovaRange(hole.Start - Page, hole.Start + Page - 1)]); // no device yet: nothing reserved

        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT), Errno.EADDRINUSE, () => rig.Device.Attach(other.Id));

        Assert.Equal(hole, rig.ReservedHole()); // still attached to the first IOAS
        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(0x10000, 0x10000)] // start == last: a one-byte range is refused too
    [InlineData(0x20000, 0x10000)] // backwards
    public void Allow_iovas_with_start_not_below_last_fails_with_EINVAL(ulong start, ulong last)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_load_iovas "range.start >= range.last -> EINVAL"
        using var rig = EduIoas.Open();
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_ALLOW_IOVAS), Errno.EINVAL, () => rig.Ioas.AllowIovas([new IovaRange(start, last)]));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Allow_iovas_with_overlapping_ranges_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_load_iovas "interval_tree_iter_first(itree, start, last) -> EINVAL"
        using var rig = EduIoas.Open();
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_ALLOW_IOVAS), Errno.EINVAL,
            () => rig.Ioas.AllowIovas([new IovaRange(rig.Base, rig.Base + 2 * Page - 1), new IovaRange(rig.Base + Page, rig.Base + 3 * Page - 1)]));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_anywhere_larger_than_every_allowed_range_fails_with_ENOSPC()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, reserved_overflow) "map -> ENOSPC" when no allowed hole is large enough
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        rig.Ioas.AllowIovas([new IovaRange(rig.Base, rig.Base + Page - 1)]);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.ENOSPC, () => rig.Ioas.MapAnywhere(buffer.Address, 2 * Page, DmaAccess.Read));

        rig.Ioas.AllowIovas([]);
        rig.AssertNothingLeft();
    }
}
