using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>How BatchMapper turns queued mappings into ioctls, against the recording mapper (a stand-in named as such;
/// the kernel's answers to the same batches are checked in the VM tier, BatchMapperKernelTests).</summary>
public sealed class BatchMapperTests
{
    private const ulong Page = 0x1000, Base = 0x100000;
    private const nint Memory = 0x1000_0000;

    private readonly RecordingMapper _mapper = new();
    private readonly BatchMapper _batch;

    public BatchMapperTests() => _batch = new BatchMapper(_mapper, capacity: 4);

    private void AddPage(int page, DmaAccess access = DmaAccess.ReadWrite, nint? memory = null) =>
        _batch.Add(Base + (ulong)page * Page, memory ?? Memory + page * (nint)Page, Page, access);

    [Fact]
    public void Pages_contiguous_in_iova_and_memory_become_one_ioctl_and_the_queue_grows_past_its_capacity()
    {
        for (var page = 0; page < 64; page++) AddPage(page);

        Assert.Equal(1, _batch.Commit());

        Assert.Equal(["map 0x100000+0x40000 ReadWrite"], _mapper.Calls);
        Assert.Equal(0, _batch.Count);
    }

    [Fact]
    public void Pages_added_out_of_order_are_sorted_before_they_are_merged()
    {
        foreach (var page in new[] { 3, 0, 2, 1 }) AddPage(page);

        Assert.Equal(1, _batch.Commit());

        Assert.Equal(["map 0x100000+0x4000 ReadWrite"], _mapper.Calls);
    }

    [Fact]
    public void A_gap_in_iova_or_in_memory_starts_a_new_run()
    {
        AddPage(0);
        AddPage(1);
        AddPage(3);                                        // iova gap after page 1
        AddPage(4, memory: Memory + 9 * (nint)Page);        // iova follows page 3, memory does not

        Assert.Equal(3, _batch.Commit());

        Assert.Equal(["map 0x100000+0x2000 ReadWrite", "map 0x103000+0x1000 ReadWrite", "map 0x104000+0x1000 ReadWrite"], _mapper.Calls);
    }

    [Fact]
    public void Neighbours_with_different_access_are_not_merged()
    {
        AddPage(0, DmaAccess.Read);
        AddPage(1, DmaAccess.ReadWrite);
        AddPage(2, DmaAccess.ReadWrite);

        Assert.Equal(2, _batch.Commit());

        Assert.Equal(["map 0x100000+0x1000 Read", "map 0x101000+0x2000 ReadWrite"], _mapper.Calls);
    }

    [Fact]
    public void A_failing_run_in_the_middle_rolls_back_exactly_the_runs_before_it_and_maps_nothing_after_it()
    {
        // three runs: pages 0-1, 4-5, 8-9; the second is refused as the kernel would refuse it (ENOMEM: out of pinnable pages)
        foreach (var page in new[] { 0, 1, 4, 5, 8, 9 }) AddPage(page);
        _mapper.FailMap = (iova, _) => iova == Base + 4 * Page ? Errno.ENOMEM : 0;

        Assert.False(_batch.TryCommit(out var ioctls, out var failed, out var errno));
        Assert.Equal(Errno.ENOMEM, errno);

        Assert.Equal((2, Base + 4 * Page, Page), (failed.Index, failed.Iova, failed.Length)); // the third page added, the first of the run
        Assert.Equal([
            "map 0x100000+0x2000 ReadWrite",       // run 1
            "map 0x104000+0x2000 ReadWrite",       // run 2 fails as a whole...
            "map 0x104000+0x1000 ReadWrite",       // ...and its first entry fails alone: that entry is named
            "unmap 0x100000+0x2000",               // run 1 undone; run 3 never issued
        ], _mapper.Calls);
        Assert.Equal(3, ioctls);
        Assert.Empty(_mapper.Areas);
        Assert.Equal(0, _batch.Count);
    }

    [Fact]
    public void An_empty_commit_issues_nothing()
    {
        Assert.Equal(0, _batch.Commit());
        Assert.Empty(_mapper.Calls);
    }

    [Fact]
    public void Clear_forgets_the_queue()
    {
        AddPage(0);
        _batch.Clear();

        Assert.Equal(0, _batch.Commit());
        Assert.Empty(_mapper.Calls);
    }
}
