using System.Globalization;

namespace Linux.Iommu;

/// <summary>The kernel's pool of hugetlb pages of one size (/sys/kernel/mm/hugepages/hugepages-&lt;size&gt;kB), read to
/// explain a huge-page allocation the kernel refused: how many pages it needs, how many are free, and how to reserve more.</summary>
internal static class HugeTlbPool
{
    private static long Read(string directory, string name) =>
        long.Parse(File.ReadAllText(Path.Combine(directory, name)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Why <paramref name="length"/> bytes of <paramref name="pageSize"/> hugetlb pages could not be had, and the fix.</summary>
    public static string Explain(long length, long pageSize)
    {
        var size = Readable.Bytes((ulong)pageSize);
        var needed = length / pageSize;
        var directory = MemoryBackings.HugeTlbFolder(pageSize);
        if (!System.IO.Directory.Exists(directory))
        {
            return $"{needed} hugetlb pages of {size} needed, but this kernel has no {size} hugetlb pages ({directory} is missing: " +
                   "CONFIG_HUGETLBFS is off, or the CPU has no pages of that size)";
        }
        var total = Read(directory, "nr_hugepages");
        var available = Read(directory, "free_hugepages") - Read(directory, "resv_hugepages");
        var fix = pageSize == 2L << 20
            ? $"reserve them: sysctl vm.nr_hugepages={total + needed - available} (or echo it to {directory}/nr_hugepages)"
            : $"reserve them at boot (hugepagesz={pageSize >> 20}M hugepages={total + needed - available} on the kernel command line) or echo the count to {directory}/nr_hugepages";
        return $"{needed} hugetlb pages of {size} needed, {available} of {total} reserved are free: {fix}";
    }
}
