using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>How the kernel charges pinned pages to RLIMIT_MEMLOCK (IOMMU_OPTION_RLIMIT_MODE).</summary>
public enum MemlockAccounting
{
    /// <summary>Per user (the default).</summary>
    User = 0,
    /// <summary>Per process (needs CAP_SYS_RESOURCE to set).</summary>
    Process = 1,
}

/// <summary>iommufd-wide settings: memlock accounting, the VFIO compatibility IOAS, moving pins to another process.</summary>
public static class IommuFdContext
{
    /// <summary>IOMMU_OPTION_RLIMIT_MODE of this iommufd.</summary>
    public static MemlockAccounting GetMemlockAccounting(this IommuFd iommu) =>
        (MemlockAccounting)IommuOptions.Get(iommu, iommufd_option.IOMMU_OPTION_RLIMIT_MODE, 0);

    /// <summary>Sets IOMMU_OPTION_RLIMIT_MODE (before anything is pinned).</summary>
    public static void SetMemlockAccounting(this IommuFd iommu, MemlockAccounting mode) =>
        IommuOptions.Set(iommu, iommufd_option.IOMMU_OPTION_RLIMIT_MODE, 0, (ulong)mode);

    /// <summary>The IOAS VFIO's type1 compatibility ioctls on this iommufd use (IOMMU_VFIO_IOAS GET), or null when none is set.</summary>
    public static uint? GetVfioCompatIoas(this IommuFd iommu)
    {
        var request = VfioIoas(iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET, 0);
        int result;
        using (var fd = iommu.Lease()) result = Ioctls.TryIOMMU_VFIO_IOAS(fd.Fd, ref request);
        if (result == -Errno.ENODEV) return null; // no compatibility IOAS is set
        if (result < 0) Ioctls.ThrowIOMMU_VFIO_IOAS(-result, in request);
        return request.ioas_id;
    }

    /// <summary>Makes <paramref name="ioas"/> the one VFIO's compatibility ioctls (VFIO_IOMMU_MAP_DMA on this fd) map into.</summary>
    public static void SetVfioCompatIoas(this IommuFd iommu, Ioas ioas)
    {
        var request = VfioIoas(iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET, ioas.Id);
        using var fd = iommu.Lease();
        Ioctls.IOMMU_VFIO_IOAS(fd.Fd, ref request);
    }

    /// <summary>Clears the compatibility IOAS.</summary>
    public static void ClearVfioCompatIoas(this IommuFd iommu)
    {
        var request = VfioIoas(iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_CLEAR, 0);
        using var fd = iommu.Lease();
        Ioctls.IOMMU_VFIO_IOAS(fd.Fd, ref request);
    }

    private static iommu_vfio_ioas VfioIoas(iommufd_vfio_ioas_op op, uint ioasId)
    {
        var request = iommu_vfio_ioas.Create();
        request.op = (ushort)op;
        request.ioas_id = ioasId;
        return request;
    }

    /// <summary>IOMMU_IOAS_CHANGE_PROCESS: charges this iommufd's pinned pages to the calling process (after a VMM hands
    /// its iommufd to a new process, e.g. live update). Every mapping must come from <see cref="Ioas.MapFile"/>: EINVAL otherwise.</summary>
    public static void ChangeProcess(this IommuFd iommu)
    {
        var request = iommu_ioas_change_process.Create();
        try
        {
            using var fd = iommu.Lease();
            Ioctls.IOMMU_IOAS_CHANGE_PROCESS(fd.Fd, ref request);
        }
        catch (IommuException e) when (iommu.MissingFeature(e, nameof(Requests.IOMMU_IOAS_CHANGE_PROCESS)) is { } missing)
        {
            throw missing;
        }
    }
}
