using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>Basic facts of a VFIO device (VFIO_DEVICE_GET_INFO).</summary>
public readonly record struct VfioDeviceInfo(uint Flags, uint Regions, uint Irqs)
{
    /// <summary>A PCI device (VFIO_DEVICE_FLAGS_PCI).</summary>
    public bool IsPci => (Flags & Constants.VFIO_DEVICE_FLAGS_PCI) != 0;

    /// <summary>VFIO_DEVICE_RESET is supported.</summary>
    public bool CanReset => (Flags & Constants.VFIO_DEVICE_FLAGS_RESET) != 0;
}

/// <summary>One region of a device (a PCI BAR, config space...): where it sits in the device fd and what it allows.</summary>
public readonly record struct VfioRegionInfo(uint Index, uint Flags, ulong Size, ulong Offset)
{
    /// <summary>The region can be mmap()ed (VFIO_REGION_INFO_FLAG_MMAP).</summary>
    public bool CanMmap => (Flags & Constants.VFIO_REGION_INFO_FLAG_MMAP) != 0;
}

/// <summary>A VFIO device. With the cdev interface (<c>/dev/vfio/devices/vfioN</c>) it is bound to an iommufd and
/// attached to an IOAS or HW page table; from a legacy group it works through the group's container.</summary>
public sealed partial class VfioDevice : IDisposable
{
    private const string CdevDirectory = "/dev/vfio/devices";
    private readonly SafeFileHandle _handle;
    private readonly bool _fromGroup;

    private VfioDevice(SafeFileHandle handle, bool fromGroup = false)
    {
        _handle = handle;
        _fromGroup = fromGroup;
    }

    /// <summary>Opens a device cdev, e.g. <c>/dev/vfio/devices/vfio0</c>.</summary>
    /// <exception cref="IommuEnvironmentException">No such cdev (ENOENT); on a kernel without VFIO device cdevs it says
    /// what they need and offers the group.</exception>
    /// <exception cref="IommuException">open failed otherwise.</exception>
    public static VfioDevice Open(string path)
    {
        try
        {
            return new(Descriptors.Open(path));
        }
        catch (IommuException e) when (e.Errno == Errno.ENOENT && path.StartsWith(CdevDirectory + "/", StringComparison.Ordinal))
        {
            throw Directory.Exists(CdevDirectory)
                ? new IommuEnvironmentException($"open {path}", "no such VFIO device cdev", $"the devices bound to vfio-pci are in {CdevDirectory}", e.Errno, e)
                : new IommuEnvironmentException($"open {path}", $"this kernel has no VFIO device cdevs ({CdevDirectory} is missing)", DeviceErrors.CdevsNeed, e.Errno, e);
        }
    }

    /// <summary>A device descriptor from VFIO_GROUP_GET_DEVICE_FD: it works through its group's container, not iommufd.</summary>
    internal static VfioDevice FromGroup(int fd) =>
        new(Descriptors.Adopt(fd, owns: true, "VfioGroup.OpenDevice", "a VFIO_GROUP_GET_DEVICE_FD result"), fromGroup: true);

    /// <summary>Uses a device descriptor the process was given or got from VFIO_GROUP_GET_DEVICE_FD.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public static VfioDevice FromDescriptor(int fd, bool ownsDescriptor) =>
        new(Descriptors.Adopt(fd, ownsDescriptor, "VfioDevice.FromDescriptor", "a VFIO device (a /dev/vfio/devices/vfioN cdev or a VFIO_GROUP_GET_DEVICE_FD result)"));

    /// <summary>The descriptor.</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>The iommufd device id once bound (IOMMU_GET_HW_INFO, HWPT_ALLOC take it); null before.</summary>
    public uint? DeviceId { get; private set; }

    internal FdLease Lease() => new(_handle, nameof(VfioDevice));

    /// <summary>VFIO_DEVICE_BIND_IOMMUFD: makes the device part of <paramref name="iommu"/>; returns its device id.</summary>
    /// <exception cref="IommuException">EINVAL says when this device is bound already or came from a group (both known here).</exception>
    public uint BindIommufd(IommuFd iommu)
    {
        using var iommuFd = iommu.Lease();
        var bind = vfio_device_bind_iommufd.Create();
        bind.iommufd = iommuFd.Fd;
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_DEVICE_BIND_IOMMUFD(fd.Fd, ref bind);
        if (result < 0) Ioctls.ThrowVFIO_DEVICE_BIND_IOMMUFD(-result, in bind, -result != Errno.EINVAL ? null : StateProblem(binding: true));
        DeviceId = bind.out_devid;
        return bind.out_devid;
    }

    /// <summary>Why the kernel answers EINVAL to a bind, attach or detach, when this wrapper's state explains it; null otherwise.</summary>
    private string? StateProblem(bool binding) =>
        _fromGroup ? "this device was opened through its group (VFIO_GROUP_GET_DEVICE_FD), which works through the group's container: only a cdev (/dev/vfio/devices/vfioN) binds to an iommufd"
        : binding && DeviceId is { } id ? $"this device is bound already (iommufd device id {id}): a device binds once"
        : !binding && DeviceId is null ? "this device is not bound to an iommufd yet: BindIommufd first"
        : null;

    /// <summary>VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or HWPT id; returns the HWPT the device now uses
    /// (attaching to an IOAS makes the kernel pick or create one).</summary>
    /// <exception cref="IommuException">EINVAL says when the device is not bound yet or came from a group.</exception>
    public uint Attach(uint pageTableId)
    {
        var attach = vfio_device_attach_iommufd_pt.Create();
        attach.pt_id = pageTableId;
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(fd.Fd, ref attach);
        if (result < 0) Ioctls.ThrowVFIO_DEVICE_ATTACH_IOMMUFD_PT(-result, in attach, -result != Errno.EINVAL ? null : StateProblem(binding: false));
        return attach.pt_id;
    }

    /// <summary>VFIO_DEVICE_DETACH_IOMMUFD_PT: the device blocks DMA until attached again.</summary>
    /// <exception cref="IommuException">EINVAL says when the device is not bound yet or came from a group.</exception>
    public void Detach()
    {
        var detach = vfio_device_detach_iommufd_pt.Create();
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_DEVICE_DETACH_IOMMUFD_PT(fd.Fd, ref detach);
        if (result < 0) Ioctls.ThrowVFIO_DEVICE_DETACH_IOMMUFD_PT(-result, in detach, -result != Errno.EINVAL ? null : StateProblem(binding: false));
    }

    /// <summary>VFIO_DEVICE_GET_INFO.</summary>
    public VfioDeviceInfo GetInfo()
    {
        var info = vfio_device_info.Create();
        using (var fd = Lease()) Ioctls.VFIO_DEVICE_GET_INFO(fd.Fd, ref info);
        return new VfioDeviceInfo(info.flags, info.num_regions, info.num_irqs);
    }

    /// <summary>VFIO_DEVICE_GET_REGION_INFO of region <paramref name="index"/> (VFIO_PCI_BAR0_REGION_INDEX = 0...).</summary>
    public VfioRegionInfo GetRegionInfo(uint index)
    {
        var region = vfio_region_info.Create();
        region.index = index;
        using (var fd = Lease()) Ioctls.VFIO_DEVICE_GET_REGION_INFO(fd.Fd, ref region);
        return new VfioRegionInfo(index, region.flags, region.size, region.offset);
    }

    /// <summary>Maps a region into this process for register access (BARs with VFIO_REGION_INFO_FLAG_MMAP).</summary>
    public DeviceRegion MapRegion(uint index)
    {
        var region = GetRegionInfo(index);
        if (!region.CanMmap) throw new InvalidOperationException($"region {index} of this device cannot be mmap()ed (flags 0x{region.Flags:x}); use ReadRegion/WriteRegion");
        using var fd = Lease();
        return DeviceRegion.Map(fd.Fd, region);
    }

    /// <summary>Reads bytes of a region through the device fd (pread), for regions that cannot be mapped.</summary>
    public unsafe void ReadRegion(VfioRegionInfo region, ulong offset, Span<byte> destination)
    {
        using var fd = Lease();
        fixed (byte* buffer = destination)
        {
            var done = Posix.Pread(fd.Fd, buffer, (nuint)destination.Length, (long)(region.Offset + offset));
            if (done < 0) IommuException.Throw("pread", Posix.LastErrno, $"region {region.Index} + 0x{offset:x}, {destination.Length} bytes");
            if (done != destination.Length) throw new IOException($"pread of region {region.Index} + 0x{offset:x} read {done} of {destination.Length} bytes");
        }
    }

    /// <summary>Writes bytes of a region through the device fd (pwrite).</summary>
    public unsafe void WriteRegion(VfioRegionInfo region, ulong offset, ReadOnlySpan<byte> source)
    {
        using var fd = Lease();
        fixed (byte* buffer = source)
        {
            var done = Posix.Pwrite(fd.Fd, buffer, (nuint)source.Length, (long)(region.Offset + offset));
            if (done < 0) IommuException.Throw("pwrite", Posix.LastErrno, $"region {region.Index} + 0x{offset:x}, {source.Length} bytes");
            if (done != source.Length) throw new IOException($"pwrite of region {region.Index} + 0x{offset:x} wrote {done} of {source.Length} bytes");
        }
    }

    /// <summary>Turns on PCI bus mastering (the Command register's bit 2, PCI spec §7.5.1.1.3) through the config
    /// region: without it a PCI device's DMA never leaves it. VFIO leaves the bit as it found it.</summary>
    public void EnablePciBusMastering()
    {
        const ulong CommandRegister = 4;
        const ushort BusMaster = 1 << 2;
        var config = GetRegionInfo((uint)Constants.VFIO_PCI_CONFIG_REGION_INDEX);
        Span<byte> command = stackalloc byte[2];
        ReadRegion(config, CommandRegister, command);
        var value = (ushort)(command[0] | command[1] << 8 | BusMaster);
        command[0] = (byte)value;
        command[1] = (byte)(value >> 8);
        WriteRegion(config, CommandRegister, command);
    }

    /// <summary>VFIO_DEVICE_RESET.</summary>
    public void Reset()
    {
        using var fd = Lease();
        Ioctls.VFIO_DEVICE_RESET(fd.Fd);
    }

    /// <summary>Closes the device: the kernel detaches and unbinds it.</summary>
    public void Dispose() => _handle.Dispose();
}
