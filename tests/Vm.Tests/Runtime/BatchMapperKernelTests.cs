using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>BatchMapper on the real kernel, with the edu device attached, over both backends of a <see cref="VfioDeviceSet"/>
/// (type1 asked for explicitly, so the main boot runs it beside iommufd and a kernel without iommufd runs only it):
/// coalescing is seen in the ioctls counted and in the areas the kernel made (a coalesced run is one area, which a
/// one-page unmap cannot cut), and a failing batch is rolled back exactly.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class BatchMapperKernelTests
{
    private static readonly ulong Page = EduSet.Page;
    private const int Transfer = QemuEduDevice.MaxTransfer;

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void A_batch_whose_last_run_collides_fails_with_EEXIST_undoes_every_earlier_run_and_leaves_the_prior_mapping(IommuBackend backend)
    {
        using var rig = EduSet.Open(backend);
        using var buffer = DmaBuffer.Allocate(8 * (long)Page);
        using var occupant = DmaBuffer.Allocate((long)Page);
        Random.Shared.NextBytes(occupant.Span);
        var occupied = rig.Base + 100 * Page;
        rig.Mapper.Map(occupied, occupant.Address, Page, DmaAccess.Read);
        var batch = new BatchMapper(rig.Mapper);
        (ulong Iova, ulong Pages)[] runs = [(rig.Base, 2), (rig.Base + 10 * Page, 1), (rig.Base + 20 * Page, 3), (occupied, 1)];
        foreach (var (iova, pages) in runs)
        {
            for (var page = 0UL; page < pages; page++) batch.Add(iova + page * Page, buffer.Address + (nint)(page * Page), Page, DmaAccess.ReadWrite);
        }

        KernelAssert.Errno(Errno.EEXIST, batch.TryCommit(out var ioctls, out var failed, out var commitErrno), commitErrno);
        Assert.Equal((6, occupied), (failed.Index, failed.Iova)); // the queued entry, in the order it was added
        Assert.Equal(runs.Length, ioctls);

        foreach (var (iova, pages) in runs[..^1]) rig.AssertNothingMappedIn(iova, pages * Page); // every earlier run was undone
        // and the device sees it: edu loads the occupant's bytes, then its DMA write to the first run's IOVA faults
        buffer.Span.Fill(0xEE);
        var (edu, bar0) = rig.OpenEdu();
        using (bar0)
        {
            edu.CopyToDevice(occupied, Transfer);
            edu.CopyFromDevice(rig.Base, Transfer);
            Assert.True(buffer.Span.IndexOfAnyExcept((byte)0xEE) < 0, "edu's DMA reached a page whose batch was rolled back");
            // the positive control: mapped again, the same DMA lands
            rig.Mapper.Map(rig.Base, buffer.Address, Page, DmaAccess.ReadWrite);
            edu.CopyFromDevice(rig.Base, Transfer);
            Assert.True(buffer.Span[..Transfer].SequenceEqual(occupant.Span[..Transfer]), "edu's DMA did not land through a live mapping");
            rig.Mapper.Unmap(rig.Base, Page);
        }
        Assert.Equal(Page, rig.Mapper.Unmap(occupied, Page)); // the mapping that was there is untouched
        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void A_failed_run_names_the_queued_entry_that_failed_not_the_run(IommuBackend backend)
    {
        // 64 contiguous pages make one run of 0x40000 bytes; entry 40 (iova base + 0x28000) collides with a mapping
        using var rig = EduSet.Open(backend);
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var occupied = rig.Base + 40 * Page;
        rig.Mapper.Map(occupied, buffer.Address, Page, DmaAccess.Read);
        var batch = new BatchMapper(rig.Mapper);
        void Queue()
        {
            for (var page = 0; page < 64; page++) batch.Add(rig.Base + (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.Read);
        }

        Queue();
        var error = KernelAssert.Fails(rig.MapIoctl, Errno.EEXIST, () => batch.Commit());
        Assert.Contains($"batch entry 40 (iova 0x{occupied:x}, length 0x{Page:x}); the batch was rolled back", error.Message);

        Queue();
        KernelAssert.Errno(Errno.EEXIST, batch.TryCommit(out var ioctls, out var failed, out var commitErrno), commitErrno);
        Assert.Equal((40, occupied, Page), (failed.Index, failed.Iova, failed.Length));
        Assert.Equal(1 + 41, ioctls); // the run, then entries 0..40 alone to find the one that fails

        rig.AssertNothingMappedIn(rig.Base, 40 * Page);
        rig.AssertNothingMappedIn(occupied + Page, 23 * Page);
        Assert.Equal(Page, rig.Mapper.Unmap(occupied, Page)); // the diagnosis left only what was there before
        rig.AssertNothingLeft();
    }

    /// <summary>Cutting a page out of one area: iommufd finds no area starting there (ENOENT); type1 v2 refuses an unmap
    /// that starts inside a mapping (vfio_dma_do_unmap: EINVAL).</summary>
    [Theory]
    [InlineData(IommuBackend.Iommufd, Errno.ENOENT)]
    [InlineData(IommuBackend.Type1, Errno.EINVAL)]
    public void A_batch_of_64_contiguous_pages_issues_1_ioctl_making_one_area(IommuBackend backend, int cutErrno)
    {
        using var rig = EduSet.Open(backend);
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var batch = new BatchMapper(rig.Mapper);
        foreach (var page in Enumerable.Range(0, 64).Reverse()) // order does not matter: the batch sorts
        {
            batch.Add(rig.Base + (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.ReadWrite);
        }

        KernelAssert.Errno(0, batch.TryCommit(out var ioctls, out _, out var commitErrno), commitErrno);
        Assert.Equal(1, ioctls);

        KernelAssert.Errno(cutErrno, rig.Mapper.TryUnmap(rig.Base + 7 * Page, Page, out _, out var unmapErrno), unmapErrno); // one area: a page cannot be cut out
        Assert.Equal(64 * Page, rig.Mapper.Unmap(rig.Base, 64 * Page));
        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void A_batch_of_64_scattered_pages_issues_64_ioctls_making_64_areas(IommuBackend backend)
    {
        using var rig = EduSet.Open(backend);
        using var buffer = DmaBuffer.Allocate(64 * (long)Page);
        var batch = new BatchMapper(rig.Mapper);
        for (var page = 0; page < 64; page++)
        {
            batch.Add(rig.Base + 2 * (ulong)page * Page, buffer.Address + page * (nint)Page, Page, DmaAccess.ReadWrite); // a page of gap each
        }

        Assert.Equal(64, batch.Commit());

        for (var page = 0UL; page < 64; page++) Assert.Equal(Page, rig.Mapper.Unmap(rig.Base + 2 * page * Page, Page)); // each its own area
        rig.AssertNothingLeft();
    }
}
