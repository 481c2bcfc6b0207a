using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A virtual IOMMU instance (IOMMU_VIOMMU_ALLOC) on a nest-parent HWPT: the host object behind a guest's
/// vIOMMU, which nested HWPTs and vDevices hang off (needed by SMMUv3 nesting).</summary>
public sealed class Viommu : IommuObject, IInvalidationTarget
{
    private Viommu(IommuFd iommu, uint id) : base(iommu, id)
    {
    }

    /// <summary>Allocates a vIOMMU of <paramref name="type"/> for device <paramref name="deviceId"/> over the nest-parent <paramref name="parentHwptId"/>.</summary>
    public static unsafe Viommu Allocate(IommuFd iommu, ViommuType type, uint deviceId, uint parentHwptId, ReadOnlySpan<byte> data = default)
    {
        var alloc = iommu_viommu_alloc.Create();
        alloc.type = (uint)type;
        alloc.dev_id = deviceId;
        alloc.hwpt_id = parentHwptId;
        alloc.data_len = (uint)data.Length;
        try
        {
            fixed (byte* payload = data)
            {
                alloc.data_uptr = (ulong)payload;
                using var fd = iommu.Lease();
                Ioctls.IOMMU_VIOMMU_ALLOC(fd.Fd, ref alloc);
            }
        }
        catch (IommuException e) when (iommu.MissingFeature(e, nameof(Requests.IOMMU_VIOMMU_ALLOC)) is { } missing)
        {
            throw missing;
        }
        return new Viommu(iommu, alloc.out_viommu_id);
    }

    /// <summary>IOMMU_HWPT_INVALIDATE of the caches the vIOMMU owns (e.g. SMMUv3 CD and ATC entries naming a vDEVICE's
    /// virtual id) with <paramref name="entries"/> in one call (the entry length is the size of <typeparamref name="T"/>);
    /// returns how many the kernel handled, or throws naming the entry it refused.</summary>
    public uint Invalidate<T>(InvalidationDataType type, ReadOnlySpan<T> entries) where T : unmanaged
    {
        ThrowIfDisposed();
        return CacheInvalidation.Invoke(Iommu, Id, (uint)type, entries);
    }

    /// <summary>The non-throwing <see cref="Invalidate{T}"/>: true, or false with the kernel's <paramref name="errno"/>;
    /// <paramref name="handled"/> is how many entries took effect either way (on failure, those before the entry at that
    /// index, which the kernel refused).</summary>
    public bool TryInvalidate<T>(InvalidationDataType type, ReadOnlySpan<T> entries, out uint handled, out int errno) where T : unmanaged
    {
        ThrowIfDisposed();
        return CacheInvalidation.TryIssue(Iommu, Id, (uint)type, entries, out handled, out errno);
    }

    bool IInvalidationTarget.TryInvalidate(uint dataType, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled, out int errno)
    {
        ThrowIfDisposed();
        return CacheInvalidation.TryIssue(Iommu, Id, dataType, entries, entrySize, count, out handled, out errno);
    }

    /// <summary>IOMMU_VDEVICE_ALLOC: tells the vIOMMU which virtual id (e.g. the guest's stream id) a device has.</summary>
    public Vdevice AllocateVdevice(uint deviceId, ulong virtualId)
    {
        ThrowIfDisposed();
        var alloc = iommu_vdevice_alloc.Create();
        alloc.viommu_id = Id;
        alloc.dev_id = deviceId;
        alloc.virt_id = virtualId;
        try
        {
            using var fd = Iommu.Lease();
            Ioctls.IOMMU_VDEVICE_ALLOC(fd.Fd, ref alloc);
        }
        catch (IommuException e) when (Iommu.MissingFeature(e, nameof(Requests.IOMMU_VDEVICE_ALLOC)) is { } missing)
        {
            throw missing;
        }
        return new Vdevice(Iommu, alloc.out_vdevice_id);
    }
}

/// <summary>A device as a vIOMMU knows it (IOMMU_VDEVICE_ALLOC).</summary>
public sealed class Vdevice : IommuObject
{
    internal Vdevice(IommuFd iommu, uint id) : base(iommu, id)
    {
    }
}
