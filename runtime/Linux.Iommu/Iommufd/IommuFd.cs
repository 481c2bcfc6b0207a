using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>An open <c>/dev/iommu</c>: the context every iommufd object (IOAS, HWPT, bound device) lives in.
/// Closing it destroys them all in the kernel.</summary>
public sealed class IommuFd : IDisposable
{
    private readonly SafeFileHandle _handle;

    private IommuFd(SafeFileHandle handle) => _handle = handle;

    /// <summary>Opens the iommufd character device.</summary>
    /// <exception cref="IommuException">open failed (ENOENT: the kernel lacks CONFIG_IOMMUFD; EACCES: permissions).</exception>
    public static IommuFd Open(string path = "/dev/iommu") => new(Descriptors.Open(path));

    /// <summary>Uses a descriptor the process was given (a VMM launched by a management stack gets its iommufd passed in).</summary>
    public static IommuFd FromDescriptor(int fd, bool ownsDescriptor) => new(Descriptors.Adopt(fd, ownsDescriptor));

    /// <summary>The descriptor, for passing on or for calling generated stubs directly.</summary>
    public SafeFileHandle Handle => _handle;

    internal FdLease Lease() => new(_handle, nameof(IommuFd));

    /// <summary>Allocates an I/O address space.</summary>
    public Ioas AllocIoas()
    {
        var alloc = iommu_ioas_alloc.Create();
        using (var fd = Lease()) IommuException.Check(Ioctls.TryIOMMU_IOAS_ALLOC(fd.Fd, ref alloc), nameof(Ioctls.IOMMU_IOAS_ALLOC));
        return new Ioas(this, alloc.out_ioas_id);
    }

    /// <summary>IOMMU_DESTROY of any object by id; 0 or the errno.</summary>
    public int TryDestroy(uint id)
    {
        var destroy = iommu_destroy.Create();
        destroy.id = id;
        using var fd = Lease();
        var result = Ioctls.TryIOMMU_DESTROY(fd.Fd, ref destroy);
        return result < 0 ? -result : 0;
    }

    /// <summary>IOMMU_DESTROY of any object by id.</summary>
    public void Destroy(uint id)
    {
        var errno = TryDestroy(id);
        if (errno != 0) IommuException.Throw(nameof(Ioctls.IOMMU_DESTROY), errno, $"object {id}");
    }

    /// <summary>IOMMU_GET_HW_INFO for a bound device: the IOMMU behind it, decoded (VT-d, SMMUv3, AMD; raw otherwise).</summary>
    public unsafe HwInfo GetHwInfo(uint deviceId)
    {
        const int Capacity = 256; // larger than any iommu_hw_info_* the kernel has; it reports the length it filled
        var data = stackalloc byte[Capacity];
        new Span<byte>(data, Capacity).Clear();
        var info = iommu_hw_info.Create();
        info.dev_id = deviceId;
        info.data_len = Capacity;
        info.data_uptr = (ulong)data;
        using (var fd = Lease()) IommuException.Check(Ioctls.TryIOMMU_GET_HW_INFO(fd.Fd, ref info), nameof(Ioctls.IOMMU_GET_HW_INFO));
        return HwInfo.Decode((iommu_hw_info_type)info.out_data_type, new ReadOnlySpan<byte>(data, (int)Math.Min(info.data_len, Capacity)),
            info.out_capabilities, info.out_max_pasid_log2);
    }

    /// <summary>Closes the descriptor (if owned); every kernel object of this context goes with it.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>True once disposed.</summary>
    public bool IsClosed => _handle.IsClosed;
}
