using System.Text;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>A legacy VFIO group (<c>/dev/vfio/N</c>): the unit of isolation that joins a <see cref="VfioContainer"/>
/// and hands out device descriptors.</summary>
public sealed class VfioGroup : IDisposable
{
    private readonly SafeFileHandle _handle;

    private VfioGroup(SafeFileHandle handle, int number)
    {
        _handle = handle;
        Number = number;
    }

    /// <summary>Opens group <paramref name="number"/> (the device's /sys/bus/pci/devices/…/iommu_group).</summary>
    /// <exception cref="IommuException">open failed: ENOENT says what makes a group node appear, EBUSY that another
    /// process (or descriptor) has the group open.</exception>
    public static VfioGroup Open(int number)
    {
        var path = $"/dev/vfio/{number}";
        try
        {
            return new(Descriptors.Open(path), number);
        }
        catch (IommuException e) when (e.Errno is Errno.ENOENT or Errno.EBUSY)
        {
            throw new IommuException(e.Operation, e.Errno, e.Errno == Errno.ENOENT
                ? $"{path}: no VFIO group {number}: bind the group's devices to vfio-pci (PciDevice.BindToVfioPci), and the kernel needs " +
                  "CONFIG_VFIO_GROUP (group nodes) with an IOMMU on; a kernel with VFIO device cdevs can use them instead (VfioDevice.Open, IommuBackend.Iommufd)"
                : $"{path}: the group is open already (a group is opened once: another process, e.g. QEMU, or another VfioGroup has it)", e);
        }
    }

    /// <summary>The group number.</summary>
    public int Number { get; }

    internal FdLease Lease() => new(_handle, nameof(VfioGroup));

    /// <summary>Every device of the group is bound to a VFIO driver (VFIO_GROUP_FLAGS_VIABLE).</summary>
    public bool IsViable
    {
        get
        {
            var status = vfio_group_status.Create();
            using (var fd = Lease()) Ioctls.VFIO_GROUP_GET_STATUS(fd.Fd, ref status);
            return (status.flags & Constants.VFIO_GROUP_FLAGS_VIABLE) != 0;
        }
    }

    /// <summary>VFIO_GROUP_SET_CONTAINER: joins the container (then call <see cref="VfioContainer.SetIommu"/> once).</summary>
    public void SetContainer(VfioContainer container)
    {
        using var containerFd = container.Lease();
        var descriptor = containerFd.Fd;
        using (var fd = Lease()) Ioctls.VFIO_GROUP_SET_CONTAINER(fd.Fd, ref descriptor);
        container.GroupJoined();
    }

    /// <summary>VFIO_GROUP_GET_DEVICE_FD for a device of the group by name (its PCI address, e.g. "0000:00:03.0").</summary>
    public unsafe VfioDevice OpenDevice(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        int result;
        fixed (byte* text = bytes)
        {
            using var fd = Lease();
            result = Ioctls.VFIO_GROUP_GET_DEVICE_FD(fd.Fd, text);
        }
        return VfioDevice.FromGroup(result);
    }

    /// <summary>Closes the group (it leaves its container).</summary>
    public void Dispose() => _handle.Dispose();
}
