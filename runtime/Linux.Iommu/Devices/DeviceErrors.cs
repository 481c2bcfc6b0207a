using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>The errors of finding and opening a device, each naming what is missing and how to fix it. Built here once,
/// so every way into a device (an address, a cdev, a group) says the same thing for the same problem.</summary>
internal static class DeviceErrors
{
    private const string Lookup = "PCI device lookup";

    public static IommuException NoSuchDevice(string address, string sysfsPath) =>
        new(Lookup, Errno.ENODEV, $"{address}: no such PCI device ({sysfsPath})");

    public static IommuException NoSuchCdev(string cdevPath, string sysfsLink) =>
        new(Lookup, Errno.ENOENT, $"{cdevPath}: no such VFIO device cdev ({sysfsLink}). {CdevsNeed}");

    public static IommuException NoSuchDriver(string driver, string directory) =>
        new(Lookup, Errno.ENODEV, $"the kernel has no PCI driver {driver} ({directory}): is its module loaded?");

    public static IommuException NoIommuGroup(string address, string link) =>
        new(Lookup, Errno.ENODEV, $"{address}: no IOMMU group ({link}): the IOMMU is off (intel_iommu=on / amd_iommu=on, or the firmware's DMAR/IVRS table missing) or does not cover this device");

    public static IommuException NotBoundToVfio(PciDevice device)
    {
        var pci = Path.GetDirectoryName(Path.GetDirectoryName(device.SysfsPath))!;
        var unbind = device.Driver is { } current ? $"echo {device.Address} > {pci}/drivers/{current}/unbind; " : "";
        return new(Lookup, Errno.ENODEV,
            $"{device.Address} is not bound to {PciDevice.VfioPci} (driver: {device.Driver ?? "none"}): bind it with " +
            $"echo {PciDevice.VfioPci} > {device.SysfsPath}/driver_override; {unbind}echo {device.Address} > {pci}/drivers_probe (or PciDevice.BindToVfioPci)");
    }

    public static IommuException NoCdev(PciDevice device) =>
        new(Lookup, Errno.ENOENT, device.Driver != PciDevice.VfioPci
            ? $"{device.Address} has no VFIO device cdev: it is not bound to {PciDevice.VfioPci} (driver: {device.Driver ?? "none"})"
            : $"{device.Address} has no VFIO device cdev ({device.SysfsPath}/vfio-dev), which the iommufd backend opens. {CdevsNeed}");

    /// <summary>A group with a device that no VFIO driver holds: the kernel refuses it to user space.</summary>
    public static IommuException GroupNotViable(int group, IEnumerable<PciDevice> members) =>
        new("VFIO_GROUP_GET_STATUS", Errno.EPERM,
            $"VFIO group {group} is not viable: every device of an IOMMU group must be bound to {PciDevice.VfioPci} (or to no driver); " +
            $"bound elsewhere: {string.Join(", ", members.Where(m => m.Driver is { } d && d != PciDevice.VfioPci).Select(m => $"{m.Address} ({m.Driver})").DefaultIfEmpty("none now"))}");

    /// <summary>What a kernel needs for VFIO device cdevs, and the way without them.</summary>
    public const string CdevsNeed = "VFIO device cdevs need Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV; without them open the device through its " +
        "group (/dev/vfio/N: VfioGroup.OpenDevice, or VfioDeviceSet.Open with IommuBackend.Type1)";
}
