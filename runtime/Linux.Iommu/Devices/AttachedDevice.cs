namespace Linux.Iommu;

/// <summary>One device of a <see cref="VfioDeviceSet"/>: the PCI function, its open VFIO device (registers, regions,
/// reset) attached to the set's address space, and its IOMMU group.</summary>
public sealed class AttachedDevice
{
    private readonly IommuFd? _iommu;

    internal AttachedDevice(PciDevice pci, VfioDevice device, int iommuGroup, IommuFd? iommu, VfioGroup? group)
    {
        Pci = pci;
        Device = device;
        IommuGroup = iommuGroup;
        _iommu = iommu;
        Group = group;
    }

    /// <summary>The PCI function (address, ids, driver).</summary>
    public PciDevice Pci { get; }

    /// <summary>The open VFIO device. The set owns it: dispose the set, not the device.</summary>
    public VfioDevice Device { get; }

    /// <summary>The IOMMU group: devices of one group (e.g. behind one PCIe-to-PCI bridge) cannot be isolated from each other.</summary>
    public int IommuGroup { get; }

    /// <summary>The iommufd device id (<see cref="IommuBackend.Iommufd"/>), or null on <see cref="IommuBackend.Type1"/>.</summary>
    public uint? IommufdDeviceId => Device.DeviceId;

    /// <summary>The open group the device came from (<see cref="IommuBackend.Type1"/>), or null on iommufd. The set owns it.</summary>
    public VfioGroup? Group { get; }

    /// <summary>The IOMMU behind the device (IOMMU_GET_HW_INFO, decoded), or null on <see cref="IommuBackend.Type1"/>: the
    /// legacy container reports no per-device IOMMU facts.</summary>
    public HwInfo? GetHwInfo() => _iommu is not null && Device.DeviceId is { } id ? _iommu.GetHwInfo(id) : null;

    /// <inheritdoc/>
    public override string ToString() => Device.DeviceId is { } id ? $"{Pci.Address} (iommufd device {id}, IOMMU group {IommuGroup})" : $"{Pci.Address} (IOMMU group {IommuGroup})";
}
