using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>IOMMU_IOAS_MAP and MAP_FILE with the edu device attached.</summary>
public sealed partial class BadInputTests
{
    private static readonly ulong Page = EduIoas.Page;

    [Theory]
    [InlineData(0, 2)] // the same two pages
    [InlineData(0, 1)] // the first page
    [InlineData(1, 1)] // the second page
    [InlineData(-1, 2)] // from the page before into the first
    [InlineData(-1, 3)] // around the whole mapping
    public void Map_overlapping_fixed_iova_fails_with_EEXIST(int startPage, int pages)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area) "Over map fails" (the same five overlaps around a two-page area)
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(3 * (long)Page);
        var iova = rig.Base + 16 * Page;
        rig.Ioas.Map(iova, buffer.Address, 2 * Page, DmaAccess.ReadWrite);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EEXIST,
            () => rig.Ioas.Map(iova + (ulong)(startPage * (long)Page), buffer.Address, (ulong)pages * Page, DmaAccess.ReadWrite));

        Assert.Equal(2 * Page, rig.Ioas.Unmap(iova, 2 * Page)); // the first mapping is untouched
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_with_an_unknown_flag_fails_with_EOPNOTSUPP()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_map rejects flags outside FIXED_IOVA|WRITEABLE|READABLE with EOPNOTSUPP (not
        // EINVAL, which the legacy VFIO_IOMMU_MAP_DMA gives: selftest TEST_F(iommufd, map_cmd) "flags = 1 << 31")
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var map = iommu_ioas_map.Create();
        map.flags = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA) | 1u << 31;
        map.ioas_id = rig.Ioas.Id;
        map.user_va = (ulong)buffer.Address;
        map.length = Page;
        map.iova = rig.Base;
        KernelAssert.Errno(Errno.EOPNOTSUPP, Ioctls.TryIOMMU_IOAS_MAP(RawIoctl.Fd(rig.Iommu.Handle), ref map));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_with_unknown_DmaAccess_bits_is_refused_before_the_kernel_and_maps_nothing()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // The kernel would refuse an unknown IOMMU_IOAS_MAP flag (EOPNOTSUPP); DmaAccess bits have no flag to become,
        // so they are refused by name instead of being dropped.
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var access = (DmaAccess)0x83;

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => rig.Ioas.Map(rig.Base, buffer.Address, Page, access));
        Assert.Contains("unknown bits 0x80", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Ioas.TryMap(rig.Base, buffer.Address, Page, access, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Ioas.MapAnywhere(buffer.Address, Page, access));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchMapper(rig.Ioas).Add(rig.Base, buffer.Address, Page, access));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_allowing_neither_reads_nor_writes_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_map "!(flags & (WRITEABLE | READABLE)) -> EINVAL"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        KernelAssert.Errno(Errno.EINVAL, rig.Ioas.TryMap(rig.Base, buffer.Address, Page, default, out var mapErrno), mapErrno);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_of_length_0_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, dmabuf_simple) maps length 0 -> EINVAL (there of a file; here of memory)
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EINVAL, () => rig.Ioas.Map(rig.Base, buffer.Address, 0, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_wrapping_past_the_end_of_the_64_bit_iova_space_fails_with_EOVERFLOW()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: io_pagetable.c iopt_check_iova "check_add_overflow(iova, length - 1) -> EOVERFLOW"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        KernelAssert.Errno(Errno.EOVERFLOW, rig.Ioas.TryMap(0 - Page, buffer.Address, 2 * Page, DmaAccess.Read, out var mapErrno), mapErrno);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_at_a_misaligned_iova_with_a_device_attached_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, ioas_align_change) "Misalignment is rejected at map time"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        Assert.Equal(Page, rig.Ioas.GetIovaRanges().Alignment);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EINVAL, () => rig.Ioas.Map(rig.Base + 512, buffer.Address + 512, Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_anywhere_of_less_than_a_page_with_a_device_attached_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, ioas_iova_alloc) "mock_domains && length % MOCK_PAGE_SIZE -> EINVAL"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EINVAL, () => rig.Ioas.MapAnywhere(buffer.Address, Page - 1, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_of_an_unmapped_user_address_with_a_device_attached_fails_with_EFAULT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_mock_domain, basic) test_basic_mmap "EFAULT on first page"
        using var rig = EduIoas.Open();
        using var hole = UserMemory.WithHole(4 * (long)Page, unmappedTail: 4 * (long)Page);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EFAULT, () => rig.Ioas.Map(rig.Base, hole.Address, 4 * Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_of_memory_unmapped_half_way_fails_with_EFAULT_and_unpins_the_first_half()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_mock_domain, basic) test_basic_mmap "EFAULT half way through mapping"
        using var rig = EduIoas.Open();
        using var halfHole = UserMemory.WithHole(8 * (long)Page, unmappedTail: 4 * (long)Page);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EFAULT, () => rig.Ioas.Map(rig.Base, halfHole.Address, 8 * Page, DmaAccess.Read));
        rig.AssertNothingLeft(); // the four good pages were pinned on the way and must be released
    }

    [Fact]
    public void Map_of_read_only_memory_for_device_writes_fails_with_EFAULT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: pages.c pins with FOLL_WRITE for a WRITEABLE area, which a read-only VMA refuses; selftest
        // TEST_F(iommufd_mock_domain, ro_unshare) maps such memory READABLE only
        using var rig = EduIoas.Open();
        using var readOnly = UserMemory.ReadOnly((long)Page);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EFAULT, () => rig.Ioas.Map(rig.Base, readOnly.Address, Page, DmaAccess.Write));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_of_read_only_memory_for_device_reads_succeeds()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_mock_domain, ro_unshare) — the contrast to the EFAULT above
        using var rig = EduIoas.Open();
        using var readOnly = UserMemory.ReadOnly((long)Page);
        rig.Ioas.Map(rig.Base, readOnly.Address, Page, DmaAccess.Read);
        Assert.Equal(Page, rig.Ioas.Unmap(rig.Base, Page));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_into_a_reserved_iova_range_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: io_pagetable.c iopt_check_iova "No reserved IOVA intersects the range -> EINVAL"; selftest
        // TEST_F(iommufd_ioas, area_auto_iova) "Avoids a reserved region" for kernel-chosen IOVAs
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var hole = rig.ReservedHole();
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EINVAL, () => rig.Ioas.Map(hole.Start, buffer.Address, Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_file_beyond_the_end_of_the_file_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.MapFile);
        // selftest: TEST_F(iommufd_mock_domain, basic) test_basic_file "map_file(mfd, 0, buf_size + 1) -> EINVAL"
        using var rig = EduIoas.Open();
        using var memfd = UserMemory.Memfd(new byte[Page]);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), Errno.EINVAL, () => rig.Ioas.MapFile(rig.Base, memfd, 0, 2 * Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_file_of_an_emptied_file_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.MapFile);
        // selftest: TEST_F(iommufd_mock_domain, basic) test_basic_file "ftruncate(mfd_tmp, 0) ... -> EINVAL"
        using var rig = EduIoas.Open();
        using var memfd = UserMemory.Memfd(new byte[Page]);
        RandomAccess.SetLength(memfd, 0);
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), Errno.EINVAL, () => rig.Ioas.MapFile(rig.Base, memfd, 0, Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }
}
