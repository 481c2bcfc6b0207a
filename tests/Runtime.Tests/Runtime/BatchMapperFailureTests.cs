using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>What a failed batch reports, against the recording mapper (a stand-in named as such; the same case runs on
/// the real kernel in the VM tier, BatchMapperKernelTests).</summary>
public sealed class BatchMapperFailureTests
{
    private const ulong Page = 0x1000, Base = 0x100000;

    [Fact]
    public void A_run_that_fails_is_retried_entry_by_entry_to_name_the_entry_and_everything_is_undone()
    {
        var mapper = new RecordingMapper();
        Assert.True(mapper.TryMap(Base + 40 * Page, 0x7000_0000, Page, DmaAccess.Read, out _)); // occupies what entry 40 wants
        var batch = new BatchMapper(mapper);
        for (var i = 0; i < 64; i++) batch.Add(Base + (ulong)i * Page, 0x1000_0000 + i * (nint)Page, Page, DmaAccess.Read);

        Assert.False(batch.TryCommit(out var ioctls, out var failed, out var errno));
        Assert.Equal(Errno.EEXIST, errno);

        Assert.Equal((40, Base + 40 * Page, Page), (failed.Index, failed.Iova, failed.Length));
        Assert.Equal(1 + 41, ioctls); // the run, then entries 0..40 alone
        Assert.Equal([Base + 40 * Page], mapper.Areas.Keys); // entries 0..39 mapped alone were unmapped again
    }

    [Fact]
    public void A_run_that_fails_only_as_a_whole_names_its_first_entry_with_the_run_s_errno_and_is_undone()
    {
        // as a kernel short of memory for a large area might: anything above a page fails with ENOMEM
        var mapper = new RecordingMapper { FailMap = (_, length) => length > Page ? Errno.ENOMEM : 0 };
        var batch = new BatchMapper(mapper);
        for (var i = 0; i < 4; i++) batch.Add(Base + (ulong)i * Page, 0x1000_0000 + i * (nint)Page, Page, DmaAccess.Read);

        Assert.False(batch.TryCommit(out var ioctls, out var failed, out var errno));
        Assert.Equal(Errno.ENOMEM, errno);

        Assert.Equal(new BatchEntry(0, Base, 0x1000_0000, Page, DmaAccess.Read), failed);
        Assert.Equal(1 + 4, ioctls); // the run, then each entry alone, which all map
        Assert.Empty(mapper.Areas);
    }

    [Fact]
    public void Commit_names_the_entry_by_its_position_in_the_order_it_was_added()
    {
        var mapper = new RecordingMapper();
        Assert.True(mapper.TryMap(Base + 2 * Page, 0x7000_0000, Page, DmaAccess.Read, out _));
        var batch = new BatchMapper(mapper);
        for (var i = 3; i >= 0; i--) batch.Add(Base + (ulong)i * Page, 0x1000_0000 + i * (nint)Page, Page, DmaAccess.Read); // added in reverse

        var error = Assert.Throws<IommuException>(() => batch.Commit());

        Assert.Equal("map failed: EEXIST (17): File exists - iova 0x102000, user_va 0x10002000, length 0x1000, Read; batch entry 1 (iova 0x102000, length 0x1000); the batch was rolled back", error.Message);
        Assert.Equal([Base + 2 * Page], mapper.Areas.Keys);
    }

    [Fact]
    public void Overlapping_entries_are_named_by_index_and_nothing_is_mapped()
    {
        var mapper = new RecordingMapper();
        var batch = new BatchMapper(mapper);
        batch.Add(Base, 0x1000_0000, 2 * Page, DmaAccess.Read);
        batch.Add(Base + Page, 0x2000_0000, Page, DmaAccess.Read);

        var error = Assert.Throws<ArgumentException>(() => batch.Commit());

        Assert.Equal("batched mappings overlap: entry 1 (iova 0x101000, length 0x1000) and entry 0 (iova 0x100000, length 0x2000); nothing was mapped", error.Message);
        Assert.Empty(mapper.Calls);
    }
}
