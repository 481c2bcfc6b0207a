using System.Numerics;

namespace Linux.Iommu;

/// <summary>The arithmetic of a dirty bitmap as both kernels lay it out: one bit per page of the range, page <c>i</c> in
/// bit <c>i % 64</c> of the 64-bit word <c>i / 64</c>, the words as many as the pages rounded up to 64.</summary>
public static class DirtyBitmap
{
    /// <summary>The 64-bit words a bitmap of [iova, iova + <paramref name="length"/>) needs at <paramref name="pageSize"/>
    /// pages (1 GiB of 4 KiB pages: 262,144 pages, 4,096 words, 32 KiB).</summary>
    /// <exception cref="ArgumentException">The page size is not a power of two, or the length is 0 or not whole pages.</exception>
    public static long Words(ulong length, ulong pageSize)
    {
        CheckPageSize(pageSize);
        if (length == 0 || length % pageSize != 0)
            throw new ArgumentException($"length 0x{length:x} is not a positive multiple of the page size 0x{pageSize:x}", nameof(length));
        return (long)((length / pageSize + 63) / 64);
    }

    /// <summary>Bytes of the bitmap: <see cref="Words"/> × 8 (type1's DIRTY_BITMAP_BYTES).</summary>
    public static long Bytes(ulong length, ulong pageSize) => Words(length, pageSize) * sizeof(ulong);

    /// <summary>Whether page <paramref name="page"/> (counted from the range's start) is dirty in <paramref name="bitmap"/>.</summary>
    public static bool IsDirty(ReadOnlySpan<ulong> bitmap, long page) => (bitmap[(int)(page / 64)] >> (int)(page % 64) & 1) != 0;

    /// <summary>How many pages <paramref name="bitmap"/> reports dirty.</summary>
    public static long CountDirty(ReadOnlySpan<ulong> bitmap)
    {
        long count = 0;
        foreach (var word in bitmap) count += BitOperations.PopCount(word);
        return count;
    }

    /// <summary>Checks a read of [iova, iova + length) at <paramref name="pageSize"/> into <paramref name="bitmap"/> and
    /// returns the words it covers (cleared here: the kernels only set bits, and type1 asks for a zeroed bitmap).</summary>
    internal static Span<ulong> Prepare(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap)
    {
        var words = Words(length, pageSize);
        if (iova % pageSize != 0) throw new ArgumentException($"iova 0x{iova:x} is not aligned to the page size 0x{pageSize:x}", nameof(iova));
        if (length - 1 > ulong.MaxValue - iova) throw new ArgumentException($"[0x{iova:x}, +0x{length:x}) wraps past 2^64", nameof(length));
        if (bitmap.Length < words)
            throw new ArgumentException($"[0x{iova:x}, +0x{length:x}) is {length / pageSize} pages of 0x{pageSize:x}: they need {words} words of bitmap, got {bitmap.Length}", nameof(bitmap));
        var covered = bitmap[..(int)words];
        covered.Clear();
        return covered;
    }

    private static void CheckPageSize(ulong pageSize)
    {
        if (!BitOperations.IsPow2(pageSize)) throw new ArgumentException($"page size 0x{pageSize:x} is not a power of two", nameof(pageSize));
    }
}
