using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Dirty-page tracking of the container (VFIO_IOMMU_DIRTY_PAGES): start, stop, read the bitmap of a range.</summary>
public sealed partial class VfioContainer
{
    private Type1DirtyTracking? _dirtyLimits;
    private bool _dirtyLimitsRead;

    /// <summary>VFIO_IOMMU_DIRTY_PAGES_FLAG_START or _STOP. Starting allocates the kernel's bitmap of every mapping (and of
    /// each new one while tracking). See <see cref="IDirtyTracker"/> for what type1 reports dirty.</summary>
    /// <exception cref="IommuException">EACCES: the container's IOMMU is type1, not type1v2; ENOTTY: no VFIO_IOMMU_DIRTY_PAGES
    /// (before Linux 5.8, or iommufd's VFIO compatibility container).</exception>
    public void SetDirtyTracking(bool enable)
    {
        if (TrySetDirtyTracking(enable, out var errno)) return;
        var request = Type1DirtyRequest.Control(enable);
        Ioctls.ThrowVFIO_IOMMU_DIRTY_PAGES(errno, in request.Header, $"{(enable ? "start" : "stop")}: {Type1DirtyRequest.Explain(errno)}");
    }

    /// <inheritdoc/>
    public bool TrySetDirtyTracking(bool enable, out int errno)
    {
        if (enable) LoadDirtyLimits();
        var request = Type1DirtyRequest.Control(enable);
        using var fd = Lease();
        errno = -Ioctls.TryVFIO_IOMMU_DIRTY_PAGES(fd.Fd, ref request.Header);
        return errno == 0;
    }

    /// <summary>What the container reports for dirty tracking (<see cref="Type1Info.DirtyTracking"/>), read once; null
    /// while VFIO_IOMMU_GET_INFO is refused (no IOMMU set yet): then VFIO_IOMMU_DIRTY_PAGES itself answers.</summary>
    private Type1DirtyTracking? LoadDirtyLimits()
    {
        if (_dirtyLimitsRead) return _dirtyLimits;
        try
        {
            _dirtyLimits = GetInfo().DirtyTracking;
            _dirtyLimitsRead = true;
        }
        catch (IommuException)
        {
        }
        return _dirtyLimits;
    }

    /// <summary>VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP of [iova, iova + length) into <paramref name="bitmap"/> (its words for
    /// the range cleared first, as the kernel asks). The range must cover whole mappings (holes between them are fine and
    /// read clean); <paramref name="pageSize"/> must be the container's smallest IOMMU page; the bitmap at most
    /// <see cref="Type1DirtyTracking.MaxBitmapBytes"/> (256 MiB, 8 TiB of 4 KiB pages): read a longer range in pieces.
    /// Every read clears, and type1 has no read that keeps the dirty state.</summary>
    public void ReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty = false)
    {
        if (TryReadDirtyBitmap(iova, length, pageSize, bitmap, keepDirty, out var errno)) return;
        var request = Type1DirtyRequest.Read(iova, length, pageSize, 0);
        Ioctls.ThrowVFIO_IOMMU_DIRTY_PAGES(errno, in request.Header,
            $"get bitmap of [0x{iova:x}, +0x{length:x}) at page size 0x{pageSize:x}: {Type1DirtyRequest.Explain(errno)}");
    }

    /// <inheritdoc/>
    public unsafe bool TryReadDirtyBitmap(ulong iova, ulong length, ulong pageSize, Span<ulong> bitmap, bool keepDirty, out int errno)
    {
        if (keepDirty)
            throw new NotSupportedException("type1 has no read that keeps the dirty state: VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP always clears (IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR is iommufd's)");
        var covered = DirtyBitmap.Prepare(iova, length, pageSize, bitmap);
        var bytes = (ulong)covered.Length * sizeof(ulong);
        LoadDirtyLimits()?.CheckRead(iova, length, pageSize, bytes);
        fixed (ulong* data = covered)
        {
            var request = Type1DirtyRequest.Read(iova, length, pageSize, bytes);
            request.Get.bitmap.data = (nuint)data;
            using var fd = Lease();
            errno = -Ioctls.TryVFIO_IOMMU_DIRTY_PAGES(fd.Fd, ref request.Header);
        }
        return errno == 0;
    }
}

/// <summary>The argument of VFIO_IOMMU_DIRTY_PAGES: struct vfio_iommu_type1_dirty_bitmap, and for GET_BITMAP its data[],
/// a struct vfio_iommu_type1_dirty_bitmap_get (argsz counts both, not the bitmap).</summary>
[StructLayout(LayoutKind.Explicit, Size = vfio_iommu_type1_dirty_bitmap.NativeSize + vfio_iommu_type1_dirty_bitmap_get.NativeSize)]
internal struct Type1DirtyRequest
{
    [FieldOffset(0)] public vfio_iommu_type1_dirty_bitmap Header;

    [FieldOffset(vfio_iommu_type1_dirty_bitmap.NativeSize)] public vfio_iommu_type1_dirty_bitmap_get Get;

    public static Type1DirtyRequest Control(bool start)
    {
        var request = default(Type1DirtyRequest);
        request.Header.argsz = vfio_iommu_type1_dirty_bitmap.NativeSize;
        request.Header.flags = (uint)(start ? Constants.VFIO_IOMMU_DIRTY_PAGES_FLAG_START : Constants.VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
        return request;
    }

    public static Type1DirtyRequest Read(ulong iova, ulong length, ulong pageSize, ulong bitmapBytes)
    {
        var request = default(Type1DirtyRequest);
        request.Header.argsz = vfio_iommu_type1_dirty_bitmap.NativeSize + vfio_iommu_type1_dirty_bitmap_get.NativeSize;
        request.Header.flags = Constants.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
        request.Get.iova = iova;
        request.Get.size = length;
        request.Get.bitmap.pgsize = pageSize;
        request.Get.bitmap.size = bitmapBytes;
        return request;
    }

    /// <summary>What an errno of VFIO_IOMMU_DIRTY_PAGES means (vfio_iommu_type1.c's causes).</summary>
    public static string Explain(int errno) => errno switch
    {
        Errno.EINVAL => "dirty tracking is not started, the range cuts a mapping (a read covers whole mappings), or the page size is not the smallest IOMMU page",
        Errno.EACCES => "the container's IOMMU is type1, not type1v2",
        Errno.ENOTTY => "this container has no VFIO_IOMMU_DIRTY_PAGES (before Linux 5.8, or iommufd's VFIO compatibility container)",
        Errno.ENOMEM => "the kernel could not allocate its bitmaps of the mappings",
        _ => Errno.Name(errno),
    };
}
