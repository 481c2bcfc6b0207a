using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>Guest-RAM backings allocated from the host's own kernel (the allocation needs no IOMMU); their mapping, and DMA
/// into them, run in the VM tier (GuestRamKernelTests). Nothing here reserves huge pages: the host is shared, so the
/// hugetlb cases ask for more pages than the host has free, which any host refuses.</summary>
public sealed class MemoryBackingTests
{
    private const long Mi = 1 << 20;

    [Theory]
    [InlineData(MemoryBacking.Anonymous)]
    [InlineData(MemoryBacking.TransparentHugePages)]
    [InlineData(MemoryBacking.Memfd)]
    public void A_backing_of_base_or_transparent_huge_pages_is_populated_by_two_threads_and_holds_what_is_written(MemoryBacking backing)
    {
        using var buffer = DmaBuffer.Allocate(8 * Mi, backing, populateThreads: 2);

        Assert.Equal(backing, buffer.Backing);
        Assert.Equal(8 * Mi, buffer.Length);
        Assert.Equal(0, buffer.Address % buffer.PageSize);
        Assert.Equal(backing == MemoryBacking.Memfd, buffer.File is not null);
        Random.Shared.NextBytes(buffer.Span);
        var copy = buffer.Span.ToArray();
        Assert.True(copy.AsSpan().SequenceEqual(buffer.Span));
    }

    [Fact]
    public void A_missing_kernel_option_is_named_only_for_a_backing_that_needs_one()
    {
        // base pages need no option; this host's kernel has transparent huge pages (the tests above allocate them)
        Assert.Null(MemoryBackings.MissingKernelOption(MemoryBacking.Anonymous));
        Assert.Null(MemoryBackings.MissingKernelOption(MemoryBacking.Memfd));
        Assert.Null(MemoryBackings.MissingKernelOption(MemoryBacking.TransparentHugePages));
        var hugeTlb = MemoryBackings.MissingKernelOption(MemoryBacking.HugeTlb2M);
        Assert.Equal(Directory.Exists("/sys/kernel/mm/hugepages/hugepages-2048kB") ? null : "CONFIG_HUGETLBFS", hugeTlb);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBackings.MissingKernelOption((MemoryBacking)99));
    }

    [Fact]
    public void Transparent_huge_pages_are_aligned_to_the_huge_page_size()
    {
        using var buffer = DmaBuffer.Allocate(4 * Mi, MemoryBacking.TransparentHugePages, populateThreads: 0);

        Assert.Equal(2 * Mi, buffer.PageSize);
        Assert.Equal(0, buffer.Address % (2 * Mi));
    }

    /// <summary>The THPeligible field of the mapping that starts at <paramref name="address"/> in /proc/self/smaps.</summary>
    private static int ThpEligible(nint address)
    {
        var header = $"{address:x}-";
        var inMapping = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) inMapping = line.StartsWith(header, StringComparison.Ordinal);
            else if (inMapping && line.StartsWith("THPeligible:", StringComparison.Ordinal)) return int.Parse(line["THPeligible:".Length..].Trim());
        }
        throw new InvalidOperationException($"no mapping at 0x{address:x} with THPeligible in /proc/self/smaps");
    }

    [Theory]
    [InlineData(MemoryBacking.Anonymous, 0)]
    [InlineData(MemoryBacking.TransparentHugePages, 1)]
    public void Anonymous_memory_is_of_base_pages_and_transparent_huge_pages_are_eligible_for_huge_pages(MemoryBacking backing, int eligible)
    {
        using var buffer = DmaBuffer.Allocate(4 * Mi, backing, populateThreads: 0);

        Assert.Equal(eligible, ThpEligible(buffer.Address));
    }

    [Fact]
    public void A_memfd_holds_the_bytes_of_its_mapping()
    {
        using var buffer = DmaBuffer.Allocate(2 * Mi, MemoryBacking.Memfd);
        buffer.Span[12345] = 0x5a;

        var read = new byte[1];
        RandomAccess.Read(buffer.File!, read, 12345);

        Assert.Equal(0x5a, read[0]);
    }

    [Theory]
    [InlineData(MemoryBacking.Anonymous, 4096 + 1)]
    [InlineData(MemoryBacking.TransparentHugePages, 3 << 20)]
    [InlineData(MemoryBacking.HugeTlb2M, 1 << 20)]
    [InlineData(MemoryBacking.MemfdHugeTlb1G, 2L << 30 | 2 << 20)]
    public void A_length_that_is_no_whole_number_of_pages_is_refused_naming_the_sizes_around_it(MemoryBacking backing, long length)
    {
        var e = Assert.Throws<ArgumentException>(() => DmaBuffer.Allocate(length, backing));

        Assert.Equal("length", e.ParamName);
        Assert.Contains($"is no whole number of {backing}'s", e.Message);
        Assert.Contains(": take ", e.Message);
    }

    [Fact]
    public void An_unknown_backing_and_a_negative_thread_count_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DmaBuffer.Allocate(2 * Mi, (MemoryBacking)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => DmaBuffer.Allocate(2 * Mi, MemoryBacking.Anonymous, populateThreads: -1));
        using var buffer = DmaBuffer.Allocate(2 * Mi, MemoryBacking.Anonymous, populateThreads: 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Populate(0));
    }

    private static long FreeHugePages(long pageSize)
    {
        var directory = $"/sys/kernel/mm/hugepages/hugepages-{pageSize >> 10}kB";
        long Read(string name) => long.Parse(File.ReadAllText(Path.Combine(directory, name)).Trim());
        return Read("free_hugepages") - Read("resv_hugepages");
    }

    [Theory]
    [InlineData(MemoryBacking.HugeTlb2M)]
    [InlineData(MemoryBacking.MemfdHugeTlb2M)]
    public void Hugetlb_pages_that_are_not_reserved_are_refused_naming_how_many_and_the_sysctl(MemoryBacking backing)
    {
        var wanted = FreeHugePages(2 * Mi) + 1;

        var e = Assert.Throws<IommuException>(() => DmaBuffer.Allocate(wanted * 2 * Mi, backing));

        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Contains($"{wanted} hugetlb pages of 2 MiB needed, {wanted - 1} of ", e.Message);
        Assert.Contains("sysctl vm.nr_hugepages=", e.Message);
    }

    [Fact]
    public void One_GiB_pages_that_are_not_reserved_are_refused_naming_the_boot_parameters()
    {
        if (!Directory.Exists("/sys/kernel/mm/hugepages/hugepages-1048576kB"))
        {
            var missing = Assert.Throws<IommuException>(() => DmaBuffer.Allocate(1L << 30, MemoryBacking.HugeTlb1G));
            Assert.Contains("this kernel has no 1 GiB hugetlb pages", missing.Message);
            return;
        }
        var wanted = FreeHugePages(1L << 30) + 1;

        var e = Assert.Throws<IommuException>(() => DmaBuffer.Allocate(wanted << 30, MemoryBacking.HugeTlb1G));

        Assert.Contains($"{wanted} hugetlb pages of 1 GiB needed", e.Message);
        Assert.Contains("hugepagesz=1024M hugepages=", e.Message);
    }
}
