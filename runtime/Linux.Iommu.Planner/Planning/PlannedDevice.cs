namespace Linux.Iommu.Planner;

/// <summary>A device of the VM as the planner sees it: its iommufd device id, and how to attach it to a page table
/// (an IOAS or HWPT id) or detach it. Bound to the iommufd, and attached to the plan's IOAS before planning.</summary>
public sealed class PlannedDevice
{
    private readonly Func<uint, uint> _attach;
    private readonly Action _detach;

    /// <summary>A device with its own attach and detach (the selftest mock attaches by IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE).</summary>
    public PlannedDevice(string name, uint deviceId, Func<uint, uint> attach, Action detach)
    {
        Name = name;
        DeviceId = deviceId;
        _attach = attach;
        _detach = detach;
    }

    /// <summary>A VFIO device, bound with <see cref="VfioDevice.BindIommufd"/>; <paramref name="iommuGroup"/> is its
    /// /sys/bus/pci/devices/…/iommu_group, which tells devices behind one bridge apart from the rest.</summary>
    public PlannedDevice(string name, VfioDevice device, int? iommuGroup = null)
        : this(name, device.DeviceId ?? throw new InvalidOperationException($"device {name} is not bound to an iommufd (VfioDevice.BindIommufd)"),
            device.Attach, device.Detach)
    {
        IommuGroup = iommuGroup;
    }

    /// <summary>A device of a <see cref="VfioDeviceSet"/> opened through iommufd, named by <see cref="NameOf"/>.</summary>
    public PlannedDevice(AttachedDevice device)
        : this(NameOf(device), device.Device, device.IommuGroup)
    {
    }

    /// <summary>A set's device as reports name it: its cdev and PCI address, as recorded hosts have it, or the address alone.</summary>
    public static string NameOf(AttachedDevice device) => device.Pci.CdevPath is { } cdev ? $"{cdev} ({device.Pci.Address})" : device.Pci.Address;

    /// <summary>The device's IOMMU group, when known: devices of one group share a page table.</summary>
    public int? IommuGroup { get; init; }

    /// <summary>A name for reports.</summary>
    public string Name { get; }

    /// <summary>The iommufd device id.</summary>
    public uint DeviceId { get; }

    /// <summary>Attaches to an IOAS or HWPT; returns the HWPT in use.</summary>
    public uint Attach(uint pageTableId) => _attach(pageTableId);

    /// <summary>Detaches.</summary>
    public void Detach() => _detach();
}
