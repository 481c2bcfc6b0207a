using System.Globalization;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>Reserves hugetlb pages in the guest (it is root there, and the guest is the benchmark's own).</summary>
internal static class HugePagePool
{
    /// <summary>Grows the pool of <paramref name="pageSize"/> pages until <paramref name="pages"/> are free; says when the
    /// guest cannot give them (its memory is too small for the size asked).</summary>
    public static void Ensure(long pageSize, long pages)
    {
        var pool = $"/sys/kernel/mm/hugepages/hugepages-{pageSize >> 10}kB/";
        long Read(string name) => long.Parse(File.ReadAllText(pool + name).Trim(), CultureInfo.InvariantCulture);
        var missing = pages - (Read("free_hugepages") - Read("resv_hugepages"));
        if (missing <= 0) return;
        var wanted = Read("nr_hugepages") + missing;
        File.WriteAllText(pool + "nr_hugepages", wanted.ToString(CultureInfo.InvariantCulture));
        if (Read("nr_hugepages") < wanted)
            throw new InvalidOperationException($"the guest gave {Read("nr_hugepages")} of the {wanted} hugetlb pages of {Readable.Bytes((ulong)pageSize)} asked: give it more memory (run-in-vm --memory)");
    }
}
