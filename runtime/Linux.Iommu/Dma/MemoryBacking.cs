namespace Linux.Iommu;

/// <summary>What backs a <see cref="DmaBuffer"/> meant as guest RAM: the page size and whether a file (a memfd) holds
/// the pages. Bigger pages mean fewer pages to pin and fewer IOMMU page-table entries to write, so a map of
/// the same bytes is many times faster; a memfd can be mapped by file (IOMMU_IOAS_MAP_FILE), which pins its folios
/// without walking the user mapping.</summary>
public enum MemoryBacking
{
    /// <summary>Anonymous memory of base pages (4 KiB on x86_64), also where transparent huge pages are "always"
    /// (MADV_NOHUGEPAGE).</summary>
    Anonymous,
    /// <summary>Anonymous memory aligned to the transparent huge page size (2 MiB) with MADV_HUGEPAGE: huge pages
    /// where the kernel finds them (/sys/kernel/mm/transparent_hugepage/enabled must not be "never").</summary>
    TransparentHugePages,
    /// <summary>hugetlbfs pages of 2 MiB (MAP_HUGETLB): they must be reserved first (vm.nr_hugepages).</summary>
    HugeTlb2M,
    /// <summary>hugetlbfs pages of 1 GiB, where the CPU and kernel have them (reserved at boot: hugepagesz=1G hugepages=N).</summary>
    HugeTlb1G,
    /// <summary>A memfd of base pages, mapped shared.</summary>
    Memfd,
    /// <summary>A memfd of 2 MiB hugetlb pages (MFD_HUGETLB): reserved as for <see cref="HugeTlb2M"/>.</summary>
    MemfdHugeTlb2M,
    /// <summary>A memfd of 1 GiB hugetlb pages (MFD_HUGETLB): reserved as for <see cref="HugeTlb1G"/>.</summary>
    MemfdHugeTlb1G,
}

/// <summary>The facts of each <see cref="MemoryBacking"/>, written once.</summary>
public static class MemoryBackings
{
    /// <summary>The transparent huge page size (the PMD size): 2 MiB with 4 KiB base pages.</summary>
    private static readonly Lazy<long> ThpSize = new(() =>
        File.Exists(ThpSizeFile) ? long.Parse(File.ReadAllText(ThpSizeFile).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 2L << 20);

    internal const string ThpFolder = "/sys/kernel/mm/transparent_hugepage";
    private const string ThpSizeFile = ThpFolder + "/hpage_pmd_size";

    /// <summary>The sysfs folder of the kernel's pool of hugetlb pages of one size; it exists only where the kernel has them.</summary>
    internal static string HugeTlbFolder(long pageSize) => $"/sys/kernel/mm/hugepages/hugepages-{pageSize >> 10}kB";

    /// <summary>The kernel option the running kernel lacks for <paramref name="backing"/>, seen in sysfs:
    /// CONFIG_TRANSPARENT_HUGEPAGE (no transparent_hugepage folder) or CONFIG_HUGETLBFS (no hugetlb pool of the page
    /// size: the option is off, or the CPU has no pages of that size); null when the kernel can give the backing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a <see cref="MemoryBacking"/>.</exception>
    public static string? MissingKernelOption(MemoryBacking backing)
    {
        var pageSize = PageSize(backing); // refuses an unknown backing
        if (backing == MemoryBacking.TransparentHugePages) return Directory.Exists(ThpFolder) ? null : "CONFIG_TRANSPARENT_HUGEPAGE";
        return IsHugeTlb(backing) && !Directory.Exists(HugeTlbFolder(pageSize)) ? "CONFIG_HUGETLBFS" : null;
    }

    /// <summary>Whether a memfd holds the memory.</summary>
    public static bool IsMemfd(MemoryBacking backing) => backing is MemoryBacking.Memfd or MemoryBacking.MemfdHugeTlb2M or MemoryBacking.MemfdHugeTlb1G;

    /// <summary>Whether the pages are hugetlb pages, which must be reserved beforehand.</summary>
    public static bool IsHugeTlb(MemoryBacking backing) =>
        backing is MemoryBacking.HugeTlb2M or MemoryBacking.HugeTlb1G or MemoryBacking.MemfdHugeTlb2M or MemoryBacking.MemfdHugeTlb1G;

    /// <summary>The page size: every length of this backing is a whole number of them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a <see cref="MemoryBacking"/>.</exception>
    public static long PageSize(MemoryBacking backing) => backing switch
    {
        MemoryBacking.Anonymous or MemoryBacking.Memfd => DmaBuffer.SystemPageSize,
        MemoryBacking.TransparentHugePages => ThpSize.Value,
        MemoryBacking.HugeTlb2M or MemoryBacking.MemfdHugeTlb2M => 2L << 20,
        MemoryBacking.HugeTlb1G or MemoryBacking.MemfdHugeTlb1G => 1L << 30,
        _ => throw new ArgumentOutOfRangeException(nameof(backing), backing, $"no such MemoryBacking: {(int)backing}"),
    };

    /// <summary>The MAP_HUGETLB / MFD_HUGETLB size bits: log2 of the page size, shifted into place.</summary>
    internal static int HugeTlbSizeBits(long pageSize) => System.Numerics.BitOperations.Log2((ulong)pageSize) << Native.Posix.HUGETLB_FLAG_ENCODE_SHIFT;
}
