using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>How much of a populated buffer is physically contiguous in IOMMU superpage-sized chunks, read from
/// /proc/self/pagemap (PFNs need root: the guest's benchmark is root). The IOMMU driver maps a physically contiguous,
/// aligned 2 MiB (or 1 GiB) run with one large IOPTE whenever the IOAS allows huge pages — even when the CPU maps it with
/// 4 KiB pages — so this share explains a map cost per GiB that falls with size for 4 KiB backings.</summary>
internal static class PhysicalContiguity
{
    private const long Page = 4096;
    private const ulong Present = 1UL << 63, PfnMask = (1UL << 55) - 1;

    /// <summary>The share (0..1) of the buffer's whole <paramref name="chunk"/>-sized pieces (by offset from its start,
    /// as they sit at the chunk-aligned IOVA the curve maps them to) whose pages are present and physically contiguous
    /// from a chunk-aligned frame; NaN when the buffer holds no whole chunk.</summary>
    public static double Share(nint address, long length, long chunk)
    {
        var chunks = length / chunk;
        if (chunks == 0) return double.NaN;
        var pagesPerChunk = (int)(chunk / Page);
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        var entries = new ulong[Math.Min(pagesPerChunk, 1 << 16)];
        var contiguous = 0L;
        for (var index = 0L; index < chunks; index++)
            if (IsContiguous(pagemap, address + (nint)(index * chunk), pagesPerChunk, entries)) contiguous++;
        return (double)contiguous / chunks;
    }

    /// <summary>The mean length in bytes of the buffer's physically contiguous runs of pages (a run ends where the next
    /// page's frame is not the previous one plus one). iommufd maps each such run with one iommu_map call when huge
    /// pages are allowed (one call per 4 KiB page when not), so longer runs mean fewer calls even without superpages.</summary>
    public static double MeanRunBytes(nint address, long length)
    {
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        var entries = new ulong[1 << 16];
        var pages = length / Page;
        var runs = 0L;
        var previous = ulong.MaxValue - 1;
        for (var done = 0L; done < pages;)
        {
            var count = (int)Math.Min(entries.Length, pages - done);
            Read(pagemap, address, done, entries.AsSpan(0, count));
            foreach (var entry in entries.AsSpan(0, count))
            {
                var pfn = Frame(entry);
                if (pfn != previous + 1) runs++;
                previous = pfn;
            }
            done += count;
        }
        return (double)length / runs;
    }

    private static void Read(SafeFileHandle pagemap, nint start, long firstPage, Span<ulong> entries)
    {
        var bytes = MemoryMarshal.AsBytes(entries);
        var offset = ((long)start / Page + firstPage) * sizeof(ulong);
        if (RandomAccess.Read(pagemap, bytes, offset) != bytes.Length) throw new IOException($"short read of /proc/self/pagemap at {offset}");
    }

    /// <summary>The page's frame number; a page not present or a frame hidden (no CAP_SYS_ADMIN) is an error: the buffer is
    /// populated before it is measured.</summary>
    private static ulong Frame(ulong entry)
    {
        if ((entry & Present) == 0) throw new InvalidOperationException("a page of the buffer is not present: populate it before measuring");
        return (entry & PfnMask) is var pfn and not 0 ? pfn : throw new InvalidOperationException("/proc/self/pagemap shows no frame numbers: it needs CAP_SYS_ADMIN");
    }

    private static bool IsContiguous(SafeFileHandle pagemap, nint start, int pages, ulong[] entries)
    {
        var first = 0UL;
        for (var done = 0; done < pages;)
        {
            var count = Math.Min(entries.Length, pages - done);
            Read(pagemap, start, done, entries.AsSpan(0, count));
            for (var i = 0; i < count; i++)
            {
                var pfn = Frame(entries[i]);
                if (done + i == 0)
                {
                    if (pfn % (ulong)pages != 0) return false;
                    first = pfn;
                }
                else if (pfn != first + (ulong)(done + i)) return false;
            }
            done += count;
        }
        return true;
    }
}
