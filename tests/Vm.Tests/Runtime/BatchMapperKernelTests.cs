using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>BatchMapper on the real kernel, with the edu device attached: coalescing is seen in the areas the kernel
/// made (a coalesced run is one area, which a one-page unmap cannot cut), and a failing batch is rolled back.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class BatchMapperKernelTests
{
    private static readonly ulong Page = EduIoas.Page;

    [Fact]
    public void A_batch_whose_last_run_overlaps_a_mapping_fails_with_EEXIST_and_leaves_the_ioas_as_before()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(8 * (long)Page);
        var occupied = rig.Base + 100 * Page;
        rig.Ioas.Map(occupied, buffer.Address, Page, DmaAccess.Read);
        var batch = new BatchMapper(rig.Ioas);
        (ulong Iova, ulong Pages)[] runs = [(rig.Base, 2), (rig.Base + 10 * Page, 1), (rig.Base + 20 * Page, 3), (occupied, 1)];
        foreach (var (iova, pages) in runs)
        {
            for (var page = 0UL; page < pages; page++) batch.Add(iova + page * Page, buffer.Address + (nint)(page * Page), Page, DmaAccess.Read);
        }

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EEXIST, () => batch.Commit());

        Assert.Contains("rolled back", error.Message);
        foreach (var (iova, pages) in runs[..^1])
        {
            KernelAssert.Errno(Errno.ENOENT, rig.Ioas.TryUnmap(iova, pages * Page, out _)); // the run was undone
        }
        Assert.Equal(Page, rig.Ioas.Unmap(occupied, Page)); // the mapping that was there is untouched
        rig.AssertNothingLeft();
    }

    [Fact]
    public void A_failed_run_names_the_queued_entry_that_failed_not_the_run()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // 64 contiguous pages make one run of 0x40000 bytes; entry 40 (iova base + 0x28000) collides with a mapping
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var occupied = rig.Base + 40 * Page;
        rig.Ioas.Map(occupied, buffer.Address, Page, DmaAccess.Read);
        var batch = new BatchMapper(rig.Ioas);
        void Queue()
        {
            for (var page = 0; page < 64; page++) batch.Add(rig.Base + (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.Read);
        }

        Queue();
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EEXIST, () => batch.Commit());
        Assert.Contains($"batch entry 40 (iova 0x{occupied:x}, length 0x{Page:x}); the batch was rolled back", error.Message);

        Queue();
        KernelAssert.Errno(Errno.EEXIST, batch.TryCommit(out _, out var failed));
        Assert.Equal((40, occupied, Page), (failed.Index, failed.Iova, failed.Length));

        Assert.Equal(Page, rig.Ioas.Unmap(occupied, Page)); // the diagnosis left only what was there before
        rig.AssertNothingLeft();
    }

    [Fact]
    public void A_batch_of_64_contiguous_pages_issues_1_ioctl_making_one_area()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var batch = new BatchMapper(rig.Ioas);
        foreach (var page in Enumerable.Range(0, 64).Reverse()) // order does not matter: the batch sorts
        {
            batch.Add(rig.Base + (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.ReadWrite);
        }

        Assert.Equal(1, batch.Commit());

        KernelAssert.Errno(Errno.ENOENT, rig.Ioas.TryUnmap(rig.Base + 7 * Page, Page, out _)); // one area: a page cannot be cut out
        Assert.Equal(64 * Page, rig.Ioas.Unmap(rig.Base, 64 * Page));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void A_batch_of_64_scattered_pages_issues_64_ioctls_making_64_areas()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var batch = new BatchMapper(rig.Ioas);
        for (var page = 0; page < 64; page++)
        {
            batch.Add(rig.Base + 2 * (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.ReadWrite); // a page of gap each
        }

        Assert.Equal(64, batch.Commit());

        for (var page = 0UL; page < 64; page++) Assert.Equal(Page, rig.Ioas.Unmap(rig.Base + 2 * page * Page, Page)); // each its own area
        rig.AssertNothingLeft();
    }
}
