using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>The legacy VFIO type1 container (<c>/dev/vfio/vfio</c>): groups join it, then it maps DMA for all of
/// them. Implements the same <see cref="IDmaMapper"/> as an iommufd <see cref="Ioas"/>.</summary>
public sealed partial class VfioContainer : IDmaMapper, ILeasedDmaMapper, IDirtyTracker, IDisposable
{
    private readonly SafeFileHandle _handle;
    private int _groups;
    private bool _iommuSet;

    private VfioContainer(SafeFileHandle handle) => _handle = handle;

    /// <summary>The container's device node.</summary>
    public const string DefaultPath = "/dev/vfio/vfio";

    /// <summary>Opens a container and checks the API version.</summary>
    /// <exception cref="NotSupportedException">The kernel speaks another VFIO API version than this library.</exception>
    /// <exception cref="IommuEnvironmentException">There is no container (ENOENT): names the kernel options it needs.</exception>
    /// <exception cref="IommuException">open failed otherwise, or <paramref name="path"/> is not a VFIO container (ENOTTY).</exception>
    public static VfioContainer Open(string path = DefaultPath)
    {
        VfioContainer container;
        try
        {
            container = new VfioContainer(Descriptors.Open(path));
        }
        catch (IommuException e) when (e.Errno == Errno.ENOENT && path == DefaultPath)
        {
            throw new IommuEnvironmentException($"open {path}", "no legacy VFIO container",
                "the kernel needs CONFIG_VFIO_CONTAINER (or CONFIG_IOMMUFD_VFIO_CONTAINER) and the vfio module loaded (modprobe vfio-pci)", e.Errno, e);
        }
        try
        {
            int version;
            using (var fd = container.Lease())
            {
                version = Ioctls.TryVFIO_GET_API_VERSION(fd.Fd);
                if (version < 0)
                {
                    Ioctls.ThrowVFIO_GET_API_VERSION(-version, 0, -version == Errno.ENOTTY
                        ? $"{path} is not the VFIO container (a VFIO group or device node, or another file?): open {DefaultPath}"
                        : path);
                }
            }
            if (version != Constants.VFIO_API_VERSION)
            {
                throw new NotSupportedException($"{path}: the kernel's VFIO API version is {version}; this library speaks version {Constants.VFIO_API_VERSION}");
            }
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary>The descriptor.</summary>
    public SafeFileHandle Handle => _handle;

    internal FdLease Lease() => new(_handle, nameof(VfioContainer));

    /// <summary>VFIO_CHECK_EXTENSION: whether an extension of the container's API (VFIO_UNMAP_ALL is 9...) is offered.</summary>
    public bool CheckExtension(int extension)
    {
        using var fd = Lease();
        return Ioctls.VFIO_CHECK_EXTENSION(fd.Fd, (nuint)extension) > 0;
    }

    /// <summary>VFIO_CHECK_EXTENSION: whether the IOMMU model <paramref name="type"/> is offered.</summary>
    public bool CheckExtension(VfioIommuType type) => CheckExtension((int)type);

    /// <summary>VFIO_SET_IOMMU: chooses the IOMMU model once a group has joined (type1v2 by default).</summary>
    /// <exception cref="IommuException">EINVAL says which of its causes this container is in: no group joined yet, an
    /// IOMMU already set, or the type not offered.</exception>
    public void SetIommu(VfioIommuType type = VfioIommuType.Type1v2)
    {
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_SET_IOMMU(fd.Fd, (nuint)type);
        if (result < 0)
        {
            var errno = -result;
            Ioctls.ThrowVFIO_SET_IOMMU(errno, (nuint)type, errno != Errno.EINVAL ? $"type {type}"
                : _iommuSet ? $"type {type}: this container's IOMMU is already set (once per container)"
                : Volatile.Read(ref _groups) == 0 ? $"type {type}: no group has joined this container yet (VfioGroup.SetContainer first)"
                : $"type {type}: the kernel does not offer this IOMMU type for the container's groups (CheckExtension)");
        }
        _iommuSet = true;
    }

    /// <summary>A group joined (VfioGroup.SetContainer), so the kernel accepts VFIO_SET_IOMMU.</summary>
    internal void GroupJoined() => Interlocked.Increment(ref _groups);

    /// <summary>VFIO_IOMMU_GET_INFO (after <see cref="SetIommu"/>): page sizes, usable IOVA ranges, mappings left.
    /// Two calls: the first learns the length of the capability chain from argsz.</summary>
    public Type1Info GetInfo()
    {
        var length = vfio_iommu_type1_info.NativeSize;
        while (true)
        {
            var buffer = new byte[length];
            ref var info = ref System.Runtime.InteropServices.MemoryMarshal.AsRef<vfio_iommu_type1_info>(buffer.AsSpan());
            info.argsz = (uint)length;
            using (var fd = Lease()) Ioctls.VFIO_IOMMU_GET_INFO(fd.Fd, ref info);
            if (info.argsz > length)
            {
                length = (int)info.argsz; // the capabilities did not fit: ask again with room for them
                continue;
            }
            return Type1Info.Decode(buffer);
        }
    }

    private static vfio_iommu_type1_dma_map MapArgument(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        var map = vfio_iommu_type1_dma_map.Create();
        map.flags = DmaAccessBits.Flags(access, Constants.VFIO_DMA_MAP_FLAG_READ, Constants.VFIO_DMA_MAP_FLAG_WRITE);
        map.vaddr = (ulong)userAddress;
        map.iova = iova;
        map.size = length;
        return map;
    }

    private static vfio_iommu_type1_dma_unmap UnmapArgument(ulong iova, ulong length)
    {
        var unmap = vfio_iommu_type1_dma_unmap.Create();
        unmap.iova = iova;
        unmap.size = length;
        return unmap;
    }

    /// <inheritdoc/>
    public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        using var fd = Lease();
        return TryMap(in fd, iova, userAddress, length, access, out errno);
    }

    FdLease ILeasedDmaMapper.Lease() => Lease();

    /// <summary><see cref="TryMap(ulong, nint, ulong, DmaAccess, out int)"/> on a descriptor the caller holds (<see cref="DmaSession"/>).</summary>
    bool ILeasedDmaMapper.TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno) =>
        TryMap(in fd, iova, userAddress, length, access, out errno);

    private static bool TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        var map = MapArgument(iova, userAddress, length, access);
        errno = -Ioctls.TryVFIO_IOMMU_MAP_DMA(fd.Fd, ref map);
        return errno == 0;
    }

    /// <inheritdoc/>
    public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        var map = MapArgument(iova, userAddress, length, access);
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_IOMMU_MAP_DMA(fd.Fd, ref map);
        if (result < 0) ThrowMap(-result, in map, null);
    }

    /// <inheritdoc/>
    [DoesNotReturn]
    public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null)
    {
        var map = MapArgument(iova, userAddress, length, access);
        ThrowMap(errno, in map, detail);
    }

    /// <summary>The one builder of a failed VFIO_IOMMU_MAP_DMA: the argument's fields, the caller's detail, for ENOMEM
    /// the pinned-memory limit.</summary>
    [DoesNotReturn]
    private static void ThrowMap(int errno, in vfio_iommu_type1_dma_map map, string? detail) =>
        Ioctls.ThrowVFIO_IOMMU_MAP_DMA(errno, in map, MemlockLimit.Explain(errno, map.size, detail));

    /// <inheritdoc/>
    [DoesNotReturn]
    public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null)
    {
        var unmap = UnmapArgument(iova, length);
        Ioctls.ThrowVFIO_IOMMU_UNMAP_DMA(errno, in unmap, detail);
    }

    /// <inheritdoc/>
    public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        using var fd = Lease();
        return TryUnmap(in fd, iova, length, out unmapped, out errno);
    }

    bool ILeasedDmaMapper.TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno) =>
        TryUnmap(in fd, iova, length, out unmapped, out errno);

    private static bool TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        var unmap = UnmapArgument(iova, length);
        errno = -Ioctls.TryVFIO_IOMMU_UNMAP_DMA(fd.Fd, ref unmap);
        unmapped = errno == 0 ? unmap.size : 0;
        return errno == 0;
    }

    /// <inheritdoc/>
    public ulong Unmap(ulong iova, ulong length)
    {
        var unmap = UnmapArgument(iova, length);
        using (var fd = Lease()) Ioctls.VFIO_IOMMU_UNMAP_DMA(fd.Fd, ref unmap);
        return unmap.size;
    }

    /// <summary>Unmaps everything (VFIO_DMA_UNMAP_FLAG_ALL); returns the bytes unmapped.</summary>
    public ulong UnmapAll()
    {
        var unmap = vfio_iommu_type1_dma_unmap.Create();
        unmap.flags = Constants.VFIO_DMA_UNMAP_FLAG_ALL;
        using (var fd = Lease()) Ioctls.VFIO_IOMMU_UNMAP_DMA(fd.Fd, ref unmap);
        return unmap.size;
    }

    /// <summary>The usable IOVA ranges (VFIO_IOMMU_GET_INFO's IOVA-range capability: the attached groups' reserved
    /// regions removed) and the smallest IOMMU page size as the alignment, as <see cref="Ioas.GetIovaRanges"/> gives them
    /// for an IOAS. Needs <see cref="SetIommu"/> first. Two calls: the first learns the size the capabilities need.</summary>
    /// <exception cref="NotSupportedException">The kernel reports no IOVA-range capability (before Linux 5.4).</exception>
    public unsafe (IovaRange[] Ranges, ulong Alignment) GetIovaRanges()
    {
        var size = sizeof(vfio_iommu_type1_info);
        while (true)
        {
            var buffer = new byte[size];
            ref var info = ref Unsafe.As<byte, vfio_iommu_type1_info>(ref buffer[0]);
            info.argsz = (uint)size;
            using (var fd = Lease()) Ioctls.VFIO_IOMMU_GET_INFO(fd.Fd, ref info);
            if (info.argsz > size)
            {
                size = (int)info.argsz; // the capabilities did not fit: ask again with the size the kernel wants
                continue;
            }
            var alignment = info.iova_pgsizes & (~info.iova_pgsizes + 1); // the lowest page size bit
            for (var offset = (info.flags & Constants.VFIO_IOMMU_INFO_CAPS) != 0 ? info.cap_offset : 0; offset != 0;)
            {
                ref var header = ref Unsafe.As<byte, vfio_info_cap_header>(ref buffer[offset]);
                if (header.id == Constants.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
                {
                    ref var cap = ref Unsafe.As<byte, vfio_iommu_type1_info_cap_iova_range>(ref buffer[offset]);
                    var ranges = new IovaRange[cap.nr_iovas];
                    for (var i = 0; i < ranges.Length; i++)
                    {
                        ref var range = ref Unsafe.As<byte, vfio_iova_range>(ref buffer[(int)offset + sizeof(vfio_iommu_type1_info_cap_iova_range) + i * sizeof(vfio_iova_range)]);
                        ranges[i] = new IovaRange(range.start, range.end);
                    }
                    return (ranges, alignment);
                }
                offset = header.next;
            }
            throw new NotSupportedException("VFIO_IOMMU_GET_INFO reports no IOVA-range capability (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, Linux 5.4)");
        }
    }

    /// <summary>Closes the container.</summary>
    public void Dispose() => _handle.Dispose();
}
