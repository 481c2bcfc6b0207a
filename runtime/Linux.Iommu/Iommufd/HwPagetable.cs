using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A hardware page table (IOMMU_HWPT_ALLOC): a paging domain on an IOAS (optionally a nest parent, or
/// with dirty tracking), or a nested stage-1 table whose format the vIOMMU owns (VT-d, SMMUv3, AMD data).</summary>
public sealed class HwPagetable : IommuObject, IInvalidationTarget, IDirtyTracker
{
    private HwPagetable(IommuFd iommu, uint id) : base(iommu, id)
    {
    }

    /// <summary>Allocates a HWPT for device <paramref name="deviceId"/> on <paramref name="parentId"/> (an IOAS, a
    /// nest-parent HWPT or a vIOMMU). <paramref name="data"/> is the driver-specific stage-1 description for nested
    /// tables (e.g. <see cref="iommu_hwpt_vtd_s1"/>), empty otherwise.</summary>
    public static HwPagetable Allocate(IommuFd iommu, uint deviceId, uint parentId, HwptAllocFlags flags = 0,
        HwptDataType dataType = HwptDataType.None, ReadOnlySpan<byte> data = default) =>
        Allocate(iommu, deviceId, parentId, flags, 0, dataType, data);

    /// <summary>As <see cref="Allocate(IommuFd, uint, uint, HwptAllocFlags, HwptDataType, ReadOnlySpan{byte})"/>,
    /// with the I/O page faults of the HWPT delivered to <paramref name="faults"/> (IOMMU_HWPT_FAULT_ID_VALID) for user
    /// space to answer, instead of failing the access.</summary>
    public static HwPagetable Allocate(IommuFd iommu, uint deviceId, uint parentId, FaultQueue faults, HwptAllocFlags flags = 0,
        HwptDataType dataType = HwptDataType.None, ReadOnlySpan<byte> data = default)
    {
        ArgumentNullException.ThrowIfNull(faults);
        return Allocate(iommu, deviceId, parentId, flags | HwptAllocFlags.FaultIdValid, faults.Id, dataType, data);
    }

    private static unsafe HwPagetable Allocate(IommuFd iommu, uint deviceId, uint parentId, HwptAllocFlags flags, uint faultId,
        HwptDataType dataType, ReadOnlySpan<byte> data)
    {
        var alloc = iommu_hwpt_alloc.Create();
        alloc.flags = (uint)flags;
        alloc.dev_id = deviceId;
        alloc.pt_id = parentId;
        alloc.fault_id = faultId;
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
    /// bytes in one call; returns how many the kernel handled. On failure the exception names the entry it refused and how
    /// many before it were handled (those took effect).</summary>
    public uint Invalidate(InvalidationDataType type, ReadOnlySpan<byte> entries, uint entrySize, uint count)
    {
        ThrowIfDisposed();
        return CacheInvalidation.Invoke(Iommu, Id, (uint)type, entries, entrySize, count);
    }

    /// <summary>IOMMU_HWPT_INVALIDATE of <paramref name="entries"/> (the entry length is the size of <typeparamref name="T"/>)
    /// in one call; returns how many the kernel handled, or throws naming the entry it refused.</summary>
    public uint Invalidate<T>(InvalidationDataType type, ReadOnlySpan<T> entries) where T : unmanaged
    {
        ThrowIfDisposed();
        return CacheInvalidation.Invoke(Iommu, Id, (uint)type, entries);
    }

    /// <summary>The non-throwing <see cref="Invalidate"/>: true, or false with the kernel's <paramref name="errno"/>;
    /// <paramref name="handled"/> is how many entries the kernel handled either way (on failure, those before the one it
    /// stopped at: a VMM retries from there).</summary>
    public bool TryInvalidate(InvalidationDataType type, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled, out int errno)
    {
        ThrowIfDisposed();
        return CacheInvalidation.TryIssue(Iommu, Id, (uint)type, entries, entrySize, count, out handled, out errno);
    }

    /// <summary>The non-throwing <see cref="Invalidate{T}"/>: true, or false with <paramref name="errno"/>;
    /// <paramref name="handled"/> as in <see cref="TryInvalidate(InvalidationDataType, ReadOnlySpan{byte}, uint, uint, out uint, out int)"/>.</summary>
    public bool TryInvalidate<T>(InvalidationDataType type, ReadOnlySpan<T> entries, out uint handled, out int errno) where T : unmanaged
    {
        ThrowIfDisposed();
        return CacheInvalidation.TryIssue(Iommu, Id, (uint)type, entries, out handled, out errno);
    }

    bool IInvalidationTarget.TryInvalidate(uint dataType, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled, out int errno) =>
        TryInvalidate((InvalidationDataType)dataType, entries, entrySize, count, out handled, out errno);

    /// <summary>IOMMU_HWPT_SET_DIRTY_TRACKING: starts or stops the IOMMU's dirty tracking of this HWPT.</summary>
    /// <exception cref="IommuException">EOPNOTSUPP: the HWPT was not allocated with <see cref="HwptAllocFlags.DirtyTracking"/>.</exception>
    public void SetDirtyTracking(bool enable)
    {
        if (!TrySetDirtyTracking(enable, out var errno))
        {
            var set = SetDirtyTrackingArgument(enable);
            Ioctls.ThrowIOMMU_HWPT_SET_DIRTY_TRACKING(errno, in set, errno == Errno.EOPNOTSUPP
                ? $"{this} was not allocated with dirty tracking (HwptAllocFlags.DirtyTracking)" : ToString());
        }
    }

    /// <inheritdoc/>
    public bool TrySetDirtyTracking(bool enable, out int errno)
    {
        ThrowIfDisposed();
        var set = SetDirtyTrackingArgument(enable);
        using var fd = Iommu.Lease();
        errno = -Ioctls.TryIOMMU_HWPT_SET_DIRTY_TRACKING(fd.Fd, ref set);
        return errno == 0;
    }

    private iommu_hwpt_set_dirty_tracking SetDirtyTrackingArgument(bool enable)
    {
        var set = iommu_hwpt_set_dirty_tracking.Create();
        set.hwpt_id = Id;
        set.flags = enable ? (uint)iommufd_hwpt_set_dirty_tracking_flags.IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
        return set;
    }

    /// <summary>IOMMU_HWPT_GET_DIRTY_BITMAP of [iova, iova + length): one bit per <paramref name="pageSize"/> page
    /// into <paramref name="bitmap"/> (its words for the range cleared first); clears the dirty state unless
    /// <paramref name="keepDirty"/> (IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR). Any range aligned to the IOAS's IOVA alignment
    /// reads (unmapped pages clean, part of a mapping its part). See <see cref="IDirtyTracker"/>.</summary>
    public void ReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty = false)
    {
        if (!TryReadDirtyBitmap(iova, length, pageSize, bitmap, keepDirty, out var errno))
        {
            var get = GetDirtyBitmapArgument(iova, length, pageSize, keepDirty);
            Ioctls.ThrowIOMMU_HWPT_GET_DIRTY_BITMAP(errno, in get, errno switch
            {
                Errno.EINVAL => $"{this}: the range must be aligned to the IOAS's IOVA alignment",
                Errno.EOPNOTSUPP => $"{this} does not track dirty pages (allocated without HwptAllocFlags.DirtyTracking, or its IOMMU cannot)",
                _ => ToString(),
            });
        }
    }

    /// <inheritdoc/>
    public unsafe bool TryReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty, out int errno)
    {
        ThrowIfDisposed();
        var covered = DirtyBitmap.Prepare(iova, length, pageSize, bitmap);
        var get = GetDirtyBitmapArgument(iova, length, pageSize, keepDirty);
        fixed (ulong* data = covered)
        {
            get.data = (ulong)data;
            using var fd = Iommu.Lease();
            errno = -Ioctls.TryIOMMU_HWPT_GET_DIRTY_BITMAP(fd.Fd, ref get);
        }
        return errno == 0;
    }

    private iommu_hwpt_get_dirty_bitmap GetDirtyBitmapArgument(ulong iova, ulong length, ulong pageSize, bool keepDirty)
    {
        var get = iommu_hwpt_get_dirty_bitmap.Create();
        get.hwpt_id = Id;
        get.flags = keepDirty ? (uint)iommufd_hwpt_get_dirty_bitmap_flags.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
        get.iova = iova;
        get.length = length;
        get.page_size = pageSize;
        return get;
    }
}
