namespace Linux.Iommu;

/// <summary>Dirty-page tracking of the set's address space, on either backend.</summary>
public sealed partial class VfioDeviceSet
{
    private HwPagetable? _dirtyHwpt;

    /// <summary>The set's <see cref="IDirtyTracker"/>, ready for <see cref="IDirtyTracker.SetDirtyTracking"/>: on type1 the
    /// container; on iommufd a HWPT allocated with dirty tracking (IOMMU_HWPT_ALLOC_DIRTY_TRACKING) on the set's IOAS, every
    /// device moved onto it — the IOAS's mappings stay, the HWPT maps them. The set owns it and destroys it with the set.
    /// Asking again gives the same tracker; on failure the devices stay where they were.</summary>
    /// <exception cref="IommuException">iommufd: EOPNOTSUPP from IOMMU_HWPT_ALLOC when a device's IOMMU cannot track dirty
    /// pages (IOMMU_HW_CAP_DIRTY_TRACKING clear in its hw_info, as on QEMU's emulated VT-d and SMMUv3).</exception>
    public IDirtyTracker PrepareDirtyTracking()
    {
        ThrowIfDisposed();
        if (Container is not null) return Container;
        if (_dirtyHwpt is not null) return _dirtyHwpt;
        var hwpt = AllocateDirtyHwpt();
        try
        {
            foreach (var device in _devices) device.Device.Attach(hwpt.Id);
        }
        catch
        {
            foreach (var device in _devices) device.Device.Attach(Ioas!.Id);
            hwpt.Dispose();
            throw;
        }
        _dirtyHwpt = hwpt;
        return hwpt;
    }

    private HwPagetable AllocateDirtyHwpt()
    {
        var first = _devices[0];
        try
        {
            return HwPagetable.Allocate(IommuFd!, first.IommufdDeviceId!.Value, Ioas!.Id, HwptAllocFlags.DirtyTracking);
        }
        catch (IommuException e) when (e.Errno == Errno.EOPNOTSUPP)
        {
            var capabilities = first.GetHwInfo() is { } info ? $"hw_info capabilities: {(info.Capabilities == 0 ? "none" : info.Capabilities)}" : "no hw_info";
            throw new IommuException(e.Operation, e.Errno,
                $"{e.Context}; the IOMMU behind {first.Pci.Address} cannot track dirty pages (IOMMU_HW_CAP_DIRTY_TRACKING; {capabilities})", e);
        }
    }
}
