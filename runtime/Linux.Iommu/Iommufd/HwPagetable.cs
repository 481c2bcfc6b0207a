using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A hardware page table (IOMMU_HWPT_ALLOC): a paging domain on an IOAS (optionally a nest parent, or
/// with dirty tracking), or a nested stage-1 table whose format the vIOMMU owns (VT-d, SMMUv3, AMD data).</summary>
public sealed class HwPagetable : IommuObject
{
    private HwPagetable(IommuFd iommu, uint id) : base(iommu, id)
    {
    }

    /// <summary>Allocates a HWPT for device <paramref name="deviceId"/> on <paramref name="parentId"/> (an IOAS, a
    /// nest-parent HWPT or a vIOMMU). <paramref name="data"/> is the driver-specific stage-1 description for nested
    /// tables (e.g. <see cref="iommu_hwpt_vtd_s1"/>), empty otherwise.</summary>
    public static unsafe HwPagetable Allocate(IommuFd iommu, uint deviceId, uint parentId, iommufd_hwpt_alloc_flags flags = 0,
        iommu_hwpt_data_type dataType = iommu_hwpt_data_type.IOMMU_HWPT_DATA_NONE, ReadOnlySpan<byte> data = default)
    {
        var alloc = iommu_hwpt_alloc.Create();
        alloc.flags = (uint)flags;
        alloc.dev_id = deviceId;
        alloc.pt_id = parentId;
        alloc.data_type = (uint)dataType;
        alloc.data_len = (uint)data.Length;
        fixed (byte* payload = data)
        {
            alloc.data_uptr = (ulong)payload;
            using var fd = iommu.Lease();
            Ioctls.IOMMU_HWPT_ALLOC(fd.Fd, ref alloc);
        }
        return new HwPagetable(iommu, alloc.out_hwpt_id);
    }

    /// <summary>IOMMU_HWPT_INVALIDATE of a nested table with <paramref name="count"/> entries of <paramref name="entrySize"/>
    /// bytes; returns how many the kernel handled. On failure the exception says how many were handled before it.</summary>
    public uint Invalidate(iommu_hwpt_invalidate_data_type type, ReadOnlySpan<byte> entries, uint entrySize, uint count)
    {
        var invalidate = InvalidateArgument(type, entries, entrySize, count);
        var result = Issue(ref invalidate, entries);
        if (result < 0) Ioctls.ThrowIOMMU_HWPT_INVALIDATE(-result, in invalidate, $"{invalidate.entry_num} of {count} entries were handled");
        return invalidate.entry_num;
    }

    /// <summary>The non-throwing <see cref="Invalidate"/>: 0 or -errno; <paramref name="handled"/> is how many entries the
    /// kernel handled either way (on failure, those before the one it stopped at: a VMM retries from there).</summary>
    public int TryInvalidate(iommu_hwpt_invalidate_data_type type, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled)
    {
        var invalidate = InvalidateArgument(type, entries, entrySize, count);
        var result = Issue(ref invalidate, entries);
        handled = invalidate.entry_num;
        return result;
    }

    private iommu_hwpt_invalidate InvalidateArgument(iommu_hwpt_invalidate_data_type type, ReadOnlySpan<byte> entries, uint entrySize, uint count)
    {
        ThrowIfDisposed();
        if ((ulong)entries.Length < (ulong)entrySize * count) throw new ArgumentException($"{count} entries of {entrySize} bytes need {entrySize * count} bytes, got {entries.Length}", nameof(entries));
        var invalidate = iommu_hwpt_invalidate.Create();
        invalidate.hwpt_id = Id;
        invalidate.data_type = (uint)type;
        invalidate.entry_len = entrySize;
        invalidate.entry_num = count;
        return invalidate;
    }

    /// <summary>The ioctl with <paramref name="entries"/> pinned: 0 or -errno; entry_num becomes the count handled.</summary>
    private unsafe int Issue(ref iommu_hwpt_invalidate invalidate, ReadOnlySpan<byte> entries)
    {
        fixed (byte* payload = entries)
        {
            invalidate.data_uptr = (ulong)payload;
            using var fd = Iommu.Lease();
            return Ioctls.TryIOMMU_HWPT_INVALIDATE(fd.Fd, ref invalidate);
        }
    }

    /// <summary>IOMMU_HWPT_SET_DIRTY_TRACKING (the HWPT must have been allocated with dirty tracking).</summary>
    public void SetDirtyTracking(bool enable)
    {
        ThrowIfDisposed();
        var set = iommu_hwpt_set_dirty_tracking.Create();
        set.hwpt_id = Id;
        set.flags = enable ? (uint)iommufd_hwpt_set_dirty_tracking_flags.IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
        using var fd = Iommu.Lease();
        Ioctls.IOMMU_HWPT_SET_DIRTY_TRACKING(fd.Fd, ref set);
    }

    /// <summary>IOMMU_HWPT_GET_DIRTY_BITMAP of [iova, iova + length): one bit per <paramref name="pageSize"/> page
    /// into <paramref name="bitmap"/>; clears the dirty state unless <paramref name="keepDirty"/>.</summary>
    public unsafe void ReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty = false)
    {
        ThrowIfDisposed();
        var pages = length / pageSize;
        if ((ulong)bitmap.Length * 64 < pages) throw new ArgumentException($"{pages} pages need {(pages + 63) / 64} ulongs of bitmap, got {bitmap.Length}", nameof(bitmap));
        var get = iommu_hwpt_get_dirty_bitmap.Create();
        get.hwpt_id = Id;
        get.flags = keepDirty ? (uint)iommufd_hwpt_get_dirty_bitmap_flags.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
        get.iova = iova;
        get.length = length;
        get.page_size = pageSize;
        fixed (ulong* data = bitmap)
        {
            get.data = (ulong)data;
            using var fd = Iommu.Lease();
            Ioctls.IOMMU_HWPT_GET_DIRTY_BITMAP(fd.Fd, ref get);
        }
    }
}
