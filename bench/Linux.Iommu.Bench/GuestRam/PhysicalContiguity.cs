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

    private static bool IsContiguous(SafeFileHandle pagemap, nint start, int pages, ulong[] entries)
    {
        var first = ulong.MaxValue;
        for (var done = 0; done < pages;)
        {
            var count = Math.Min(entries.Length, pages - done);
            var bytes = MemoryMarshal.AsBytes(entries.AsSpan(0, count));
            var offset = ((long)start / Page + done) * sizeof(ulong);
            if (RandomAccess.Read(pagemap, bytes, offset) != bytes.Length) throw new IOException($"short read of /proc/self/pagemap at {offset}");
            for (var i = 0; i < count; i++)
            {
                var entry = entries[i];
                if ((entry & Present) == 0) return false;
                var pfn = entry & PfnMask;
                if (done + i == 0)
                {
                    if (pfn == 0) throw new InvalidOperationException("/proc/self/pagemap shows no frame numbers: it needs CAP_SYS_ADMIN");
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
