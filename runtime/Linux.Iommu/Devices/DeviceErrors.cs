namespace Linux.Iommu;

/// <summary>The errors of finding and opening a device, each naming what is missing and how to fix it. Built here once,
/// so every way into a device (an address, a cdev, a group) says the same thing for the same problem.</summary>
internal static class DeviceErrors
{
    /// <summary>What a kernel needs for VFIO device cdevs, and the way without them.</summary>
    public const string CdevsNeed = "VFIO device cdevs need Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV; without them open the device through its " +
        "group (/dev/vfio/N: VfioGroup.OpenDevice, or VfioDeviceSet.Open with IommuBackend.Type1)";

    public static IommuEnvironmentException NoSuchDevice(string address, string sysfsPath) =>
        new($"find PCI device {address}", $"no such PCI device ({sysfsPath})", "check the address with lspci -D", Errno.ENODEV);

    public static IommuEnvironmentException NoSuchCdev(string cdevPath, string sysfsLink) =>
        new($"find the PCI device of {cdevPath}", $"no such VFIO device cdev ({sysfsLink})", CdevsNeed, Errno.ENOENT);

    public static IommuEnvironmentException NoCdev(PciDevice device) => device.Driver != PciDevice.VfioPci
        ? NotBoundToVfio(device)
        : new($"open PCI device {device.Address} through iommufd", $"it has no VFIO device cdev ({device.SysfsPath}/vfio-dev)", CdevsNeed, Errno.ENOENT);

    public static IommuEnvironmentException NoSuchDriver(string address, string driver, string directory) =>
        new($"bind PCI device {address} to {driver}", $"the kernel has no PCI driver {driver} ({directory})", $"load its module (modprobe {driver})", Errno.ENODEV);

    public static IommuEnvironmentException NoSuchGroup(int group, string directory) =>
        new($"find the devices of IOMMU group {group}", $"no such IOMMU group ({directory})", "the IOMMU is off, or the group number is wrong (/sys/kernel/iommu_groups)", Errno.ENOENT);

    public static IommuEnvironmentException NoIommuGroup(string address, string link) =>
        new($"find the IOMMU group of PCI device {address}", $"it has none ({link}): the IOMMU is off or does not cover this device",
            "turn the IOMMU on (intel_iommu=on or amd_iommu=on on the kernel command line, the DMAR/IVRS table in the firmware)", Errno.ENODEV);

    public static IommuEnvironmentException NotBoundToVfio(PciDevice device)
    {
        var pci = Path.GetDirectoryName(Path.GetDirectoryName(device.SysfsPath))!;
        var unbind = device.Driver is { } current ? $"echo {device.Address} > {pci}/drivers/{current}/unbind; " : "";
        return new($"open PCI device {device.Address} for VFIO", $"it is not bound to {PciDevice.VfioPci} (driver: {device.Driver ?? "none"})",
            $"bind it: echo {PciDevice.VfioPci} > {device.SysfsPath}/driver_override; {unbind}echo {device.Address} > {pci}/drivers_probe (or PciDevice.BindToVfioPci)");
    }

    /// <summary>A group with a device that no VFIO driver holds: the kernel refuses it to user space.</summary>
    public static IommuEnvironmentException GroupNotViable(int group, IEnumerable<PciDevice> members)
    {
        var elsewhere = members.Where(m => m.Driver is { } d && d != PciDevice.VfioPci).Select(m => $"{m.Address} ({m.Driver})").ToList();
        return new($"open VFIO group {group}", $"the group is not viable: {(elsewhere.Count == 0 ? "a device of it" : string.Join(", ", elsewhere))} is bound to another driver",
            $"bind every device of the group to {PciDevice.VfioPci} or unbind it (/sys/kernel/iommu_groups/{group}/devices)", Errno.EPERM);
    }
}
