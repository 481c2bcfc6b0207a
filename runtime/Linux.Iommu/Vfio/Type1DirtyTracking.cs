namespace Linux.Iommu;

/// <summary>What a type1 container offers for dirty-page tracking (VFIO_IOMMU_GET_INFO's capability
/// VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, Linux 5.8). One VFIO_IOMMU_DIRTY_PAGES read reports at most
/// <see cref="MaxBitmapBytes"/> of bitmap — the kernel's DIRTY_BITMAP_SIZE_MAX, 256 MiB: 2^31 pages, 8 TiB of 4 KiB
/// pages — and only at the smallest page size.</summary>
/// <param name="PageSizes">pgsize_bitmap: a bit per page size a bitmap may use (the kernel accepts only the smallest).</param>
/// <param name="MaxBitmapBytes">max_dirty_bitmap_size: the largest bitmap one read fills, in bytes.</param>
public sealed record Type1DirtyTracking(ulong PageSizes, ulong MaxBitmapBytes)
{
    /// <summary>The page size of every type1 bitmap: the lowest bit of <see cref="PageSizes"/>.</summary>
    public ulong PageSize => PageSizes & (~PageSizes + 1);

    /// <summary>The longest range one read covers: <see cref="MaxBitmapBytes"/> × 8 pages of <see cref="PageSize"/>
    /// (saturating at 2^64 − 1).</summary>
    public ulong MaxRangeLength => MaxBitmapBytes == 0 || PageSize == 0 ? 0
        : MaxBitmapBytes * 8 > ulong.MaxValue / PageSize ? ulong.MaxValue : MaxBitmapBytes * 8 * PageSize;

    /// <summary>Refuses a read the kernel would refuse for its page size or bitmap size, naming the limit.</summary>
    /// <exception cref="ArgumentException"><paramref name="pageSize"/> is not <see cref="PageSize"/>, or
    /// <paramref name="bitmapBytes"/> is over <see cref="MaxBitmapBytes"/>.</exception>
    internal void CheckRead(ulong iova, ulong length, ulong pageSize, ulong bitmapBytes)
    {
        if (pageSize != PageSize)
            throw new ArgumentException($"type1 reads dirty bitmaps only at the container's smallest IOMMU page size 0x{PageSize:x} (VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION), not 0x{pageSize:x}", nameof(pageSize));
        if (bitmapBytes > MaxBitmapBytes)
            throw new ArgumentException($"[0x{iova:x}, +0x{length:x}) needs {bitmapBytes} bytes of bitmap; type1 fills at most max_dirty_bitmap_size = {MaxBitmapBytes} bytes ({Readable.Bytes(MaxBitmapBytes)}, {Readable.Bytes(MaxRangeLength)} of IOVA) a read: read it in pieces", nameof(length));
    }
}
