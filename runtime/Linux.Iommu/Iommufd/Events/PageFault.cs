using System.Runtime.InteropServices;

namespace Linux.Iommu;

/// <summary>One I/O page fault as the fault queue's file delivers it: <c>struct iommu_hwpt_pgfault</c>, field for field
/// (the queue reads the kernel's records straight into these).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct PageFault
{
    private readonly PageFaultFlags _flags;
    private readonly uint _deviceId, _pasid, _groupId;
    private readonly PageFaultPermissions _permissions;
    private readonly uint _reserved;
    private readonly ulong _address;
    private readonly uint _length, _cookie;

    /// <summary><c>flags</c>: whether <see cref="Pasid"/> is valid, whether this is the group's last fault.</summary>
    public PageFaultFlags Flags => _flags;

    /// <summary><c>dev_id</c>: the iommufd device id that faulted.</summary>
    public uint DeviceId => _deviceId;

    /// <summary><c>pasid</c>, valid with <see cref="PageFaultFlags.PasidValid"/>.</summary>
    public uint Pasid => _pasid;

    /// <summary><c>grpid</c>: the page request group index.</summary>
    public uint GroupId => _groupId;

    /// <summary><c>perm</c>: the access the device asked for.</summary>
    public PageFaultPermissions Permissions => _permissions;

    /// <summary><c>addr</c>: the faulting address (page aligned).</summary>
    public ulong Address => _address;

    /// <summary><c>length</c>: a hint of how many bytes the device will access.</summary>
    public uint Length => _length;

    /// <summary><c>cookie</c>: the group's cookie, which the response echoes.</summary>
    public uint Cookie => _cookie;
}

/// <summary><c>enum iommu_hwpt_pgfault_flags</c>.</summary>
[Flags]
public enum PageFaultFlags : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>IOMMU_PGFAULT_FLAGS_PASID_VALID.</summary>
    PasidValid = 1,

    /// <summary>IOMMU_PGFAULT_FLAGS_LAST_PAGE: the last fault of its group.</summary>
    LastPage = 2,
}

/// <summary><c>enum iommu_hwpt_pgfault_perm</c>.</summary>
[Flags]
public enum PageFaultPermissions : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>IOMMU_PGFAULT_PERM_READ.</summary>
    Read = 1,

    /// <summary>IOMMU_PGFAULT_PERM_WRITE.</summary>
    Write = 2,

    /// <summary>IOMMU_PGFAULT_PERM_EXEC.</summary>
    Exec = 4,

    /// <summary>IOMMU_PGFAULT_PERM_PRIV.</summary>
    Priv = 8,
}

/// <summary>The answer to a fault group (<c>enum iommufd_page_response_code</c>).</summary>
public enum PageResponseCode : uint
{
    /// <summary>IOMMUFD_PAGE_RESP_SUCCESS: the fault is resolved, the device retries the access.</summary>
    Success = 0,

    /// <summary>IOMMUFD_PAGE_RESP_INVALID: the request cannot be served.</summary>
    Invalid = 1,
}
