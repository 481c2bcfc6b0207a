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
    /// <exception cref="IommuEnvironmentException">No such group node (ENOENT: says what makes it appear), or the group is
    /// open already (EBUSY).</exception>
    /// <exception cref="IommuException">open failed otherwise.</exception>
    public static VfioGroup Open(int number)
    {
        var path = $"/dev/vfio/{number}";
        try
        {
            return new(Descriptors.Open(path), number);
        }
        catch (IommuException e) when (e.Errno is Errno.ENOENT or Errno.EBUSY)
        {
            throw e.Errno == Errno.ENOENT
                ? new IommuEnvironmentException($"open VFIO group {number}", $"no {path}",
                    "bind the group's devices to vfio-pci (PciDevice.BindToVfioPci); group nodes need CONFIG_VFIO_GROUP and an IOMMU that is on. " +
                    "A kernel with VFIO device cdevs opens devices without their group (VfioDevice.Open, IommuBackend.Iommufd)", e.Errno, e)
                : new IommuEnvironmentException($"open VFIO group {number}", $"{path} is open already (a group is opened once)",
                    "close the other user: another process (QEMU?) or another VfioGroup or VfioDeviceSet of this one", e.Errno, e);
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
