using System.Runtime.InteropServices;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>The physical layout of a populated buffer, read from /proc/self/pagemap in one pass (PFNs need root: the
/// guest's benchmark is root). iommufd maps each physically contiguous run with one iommu_map call when the IOAS allows
/// huge pages (one call per 4 KiB page when not), and the IOMMU driver writes one large IOPTE for a run's aligned,
/// contiguous 2 MiB (or 1 GiB) chunk — even when the CPU maps it with 4 KiB pages — so the layout explains a map cost
/// per GiB that moves with size.</summary>
internal static class PhysicalContiguity
{
    private const long Page = 4096;
    private const ulong Present = 1UL << 63, PfnMask = (1UL << 55) - 1;

    /// <param name="chunks">Chunk sizes (multiples of 4 KiB).</param>
    /// <returns>For each chunk size, the share (0..1) of the buffer's whole chunks (by offset from its start, as they sit
    /// at the chunk-aligned IOVA the curve maps them to) whose pages are physically contiguous from a chunk-aligned frame,
    /// NaN when the buffer holds no whole chunk; and the mean length in bytes of its physically contiguous runs (a run
    /// ends where a page's frame is not the previous one's plus one).</returns>
    public static (double[] Shares, double MeanRunBytes) Read(nint address, long length, IReadOnlyList<long> chunks)
    {
        var pagesPer = chunks.Select(chunk => (ulong)(chunk / Page)).ToArray();
        var wholeChunks = chunks.Select(chunk => length / chunk).ToArray();
        var contiguous = new long[chunks.Count];
        var chunkFirst = new ulong[chunks.Count];
        var chunkIntact = new bool[chunks.Count];
        var runs = 0L;
        var previous = ulong.MaxValue - 1;
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        var entries = new ulong[1 << 16];
        var pages = (ulong)(length / Page);
        for (var done = 0UL; done < pages;)
        {
            var count = (int)Math.Min((ulong)entries.Length, pages - done);
            var bytes = MemoryMarshal.AsBytes(entries.AsSpan(0, count));
            var offset = ((long)address / Page + (long)done) * sizeof(ulong);
            if (RandomAccess.Read(pagemap, bytes, offset) != bytes.Length) throw new IOException($"short read of /proc/self/pagemap at {offset}");
            for (var i = 0; i < count; i++)
            {
                var page = done + (ulong)i;
                var pfn = Frame(entries[i]);
                if (pfn != previous + 1) runs++;
                previous = pfn;
                for (var c = 0; c < pagesPer.Length; c++)
                {
                    var within = page % pagesPer[c];
                    if (within == 0) (chunkFirst[c], chunkIntact[c]) = (pfn, pfn % pagesPer[c] == 0);
                    else if (pfn != chunkFirst[c] + within) chunkIntact[c] = false;
                    if (within == pagesPer[c] - 1 && chunkIntact[c]) contiguous[c]++; // only whole chunks reach their last page
                }
            }
            done += (ulong)count;
        }
        var shares = contiguous.Select((n, c) => wholeChunks[c] == 0 ? double.NaN : (double)n / wholeChunks[c]).ToArray();
        return (shares, (double)length / runs);
    }

    /// <summary>The page's frame number; a page not present or a frame hidden (no CAP_SYS_ADMIN) is an error: the buffer is
    /// populated before it is measured.</summary>
    private static ulong Frame(ulong entry)
    {
        if ((entry & Present) == 0) throw new InvalidOperationException("a page of the buffer is not present: populate it before measuring");
        return (entry & PfnMask) is var pfn and not 0 ? pfn : throw new InvalidOperationException("/proc/self/pagemap shows no frame numbers: it needs CAP_SYS_ADMIN");
    }
}
