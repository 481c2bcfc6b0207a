namespace Linux.Iommu;

/// <summary>Dirty-page tracking of an I/O address space, the same on iommufd and on a legacy type1 container, so a VMM's
/// migration loop runs on either kernel unchanged: an iommufd <see cref="HwPagetable"/> allocated with
/// <see cref="HwptAllocFlags.DirtyTracking"/> (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP) or a
/// <see cref="VfioContainer"/> (VFIO_IOMMU_DIRTY_PAGES). <see cref="VfioDeviceSet.PrepareDirtyTracking"/> gives the one
/// a set of devices uses.
/// <para>A bitmap has one bit per <c>pageSize</c> page of [iova, iova + length), page <c>i</c> in bit <c>i % 64</c> of
/// word <c>i / 64</c> (<see cref="DirtyBitmap"/>); the caller owns it and a read allocates nothing. The words that cover the
/// range are cleared before the kernel sets the dirty bits, so afterwards they hold exactly what the kernel reported.
/// What "dirty" means is the backend's: an iommufd HWPT reports the pages the IOMMU saw written (hardware dirty bits);
/// type1 reports every page of every mapping in the range while a device that does not pin its pages (any vfio-pci
/// device) is in the container — it cannot see writes, so it reports all that a device could have written.</para>
/// <para>The Try forms follow the runtime's Try convention: false with the kernel's errno for a refusal; a bad argument
/// throws as the throwing form does.</para></summary>
public interface IDirtyTracker
{
    /// <summary>Starts (<paramref name="enable"/>) or stops tracking. iommufd: EOPNOTSUPP when the HWPT was not allocated
    /// with dirty tracking. type1: EACCES on a type1 (not v2) container.</summary>
    void SetDirtyTracking(bool enable);

    /// <summary>The non-throwing <see cref="SetDirtyTracking"/>: true, or false with the kernel's <paramref name="errno"/>.</summary>
    bool TrySetDirtyTracking(bool enable, out int errno);

    /// <summary>Reads the dirty state of [iova, iova + length) into <paramref name="bitmap"/>, one bit per
    /// <paramref name="pageSize"/> page, and clears it unless <paramref name="keepDirty"/> (IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR).</summary>
    /// <exception cref="ArgumentException">The page size is not a power of two, the range is empty, wraps or is not made
    /// of whole pages, or <paramref name="bitmap"/> is shorter than <see cref="DirtyBitmap.Words"/>; on type1 also a page size
    /// other than the container's smallest IOMMU page or a bitmap over its limit.</exception>
    /// <exception cref="NotSupportedException"><paramref name="keepDirty"/> on type1, which has no read without clear.</exception>
    /// <exception cref="IommuException">The kernel refused: the ioctl, its errno and the range.</exception>
    void ReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty = false);

    /// <summary>The non-throwing <see cref="ReadDirtyBitmap"/>: true, or false with the kernel's <paramref name="errno"/>
    /// (the bitmap's words for the range are cleared either way). No allocation.</summary>
    bool TryReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty, out int errno);
}
