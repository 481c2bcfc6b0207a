using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>IOMMU_IOAS_UNMAP: it never cuts an area.</summary>
public sealed partial class BadInputTests
{
    [Fact]
    public void Unmap_all_of_an_empty_ioas_succeeds_with_length_0()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_unmap sends iova 0 + U64_MAX to iopt_unmap_all, "If the IOVAs are empty then unmap
        // all succeeds" (io_pagetable.c); only a partial unmap turns "nothing unmapped" into ENOENT
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        KernelAssert.Errno(0, ioas.TryUnmap(0, ulong.MaxValue, out var unmapped, out var unmapErrno), unmapErrno);
        Assert.Equal(0UL, unmapped);
        Assert.Equal(0UL, ioas.UnmapAll());
    }

    [Fact]
    public void Unmap_all_of_an_ioas_destroyed_by_id_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_unmap -> iommufd_get_ioas: an id that names no IOAS is ENOENT, the only ENOENT unmap-all has
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        iommu.Destroy(ioas.Id);
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_UNMAP), Errno.ENOENT, () => ioas.UnmapAll());
        Assert.Contains($"ioas_id {ioas.Id}, iova 0x0, length 0xffffffffffffffff", error.Message);
    }

    [Fact]
    public void Unmap_of_nothing_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area) "Unmap fails if nothing is mapped"
        using var rig = EduIoas.Open();
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_UNMAP), Errno.ENOENT, () => rig.Ioas.Unmap(rig.Base, Page));
        Assert.Contains($"iova 0x{rig.Base:x}", error.Message);
        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Unmap_of_one_page_of_a_two_page_mapping_fails_with_ENOENT_and_keeps_it_whole(int page)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area) "Split fails"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        rig.Ioas.Map(rig.Base, buffer, DmaAccess.Read);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_UNMAP), Errno.ENOENT, () => rig.Ioas.Unmap(rig.Base + (ulong)page * Page, Page));

        rig.Ioas.Unmap(rig.Base, buffer); // still one whole area
        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(-4, 8)] // over the start of the first area
    [InlineData(4, 8)] // over the end of the first area
    public void Unmap_over_the_edge_of_a_mapping_fails_with_ENOENT(int startPage, int pages)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, unmap_fully_contained_areas) "Unmap not fully contained area doesn't work"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(8 * (long)Page);
        var iova = rig.Base + 16 * Page;
        rig.Ioas.Map(iova, buffer, DmaAccess.Read);

        KernelAssert.Errno(Errno.ENOENT, rig.Ioas.TryUnmap(iova + (ulong)(startPage * (long)Page), (ulong)pages * Page, out var unmapped, out var unmapErrno), unmapErrno);
        Assert.Equal(0UL, unmapped);

        rig.Ioas.Unmap(iova, buffer);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Unmap_of_length_U64_MAX_at_a_nonzero_iova_fails_with_EOVERFLOW()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_unmap: only iova 0 + U64_MAX means "all"; elsewhere "length >= ULONG_MAX ->
        // EOVERFLOW" (selftest TEST_F(iommufd_ioas, area) "unmap all works" is the iova 0 form)
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        rig.Ioas.Map(rig.Base, buffer, DmaAccess.Read);

        KernelAssert.Errno(Errno.EOVERFLOW, rig.Ioas.TryUnmap(Page, ulong.MaxValue, out _, out var unmapErrno), unmapErrno);

        rig.Ioas.Unmap(rig.Base, buffer);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Unmap_of_length_0_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: io_pagetable.c iopt_unmap_iova "!length -> EINVAL"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.EINVAL, rig.Ioas.TryUnmap(rig.Base, 0, out _, out var unmapErrno), unmapErrno);
        rig.AssertNothingLeft();
    }
}
