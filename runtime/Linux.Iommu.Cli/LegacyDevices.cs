using System.Text.RegularExpressions;

namespace Linux.Iommu.Cli;

/// <summary>The VM's devices on a kernel without iommufd: PCI addresses bound to vfio-pci and their IOMMU groups (the
/// legacy container holds groups, not device cdevs, which 6.1 does not have).</summary>
internal static partial class LegacyDevices
{
    /// <summary>The devices named (PCI addresses), or every device bound to vfio-pci when none is; each with its group,
    /// read from <paramref name="sysfs"/>/bus/pci/devices/ADDRESS/iommu_group.</summary>
    public static IReadOnlyList<(string Name, int Group)> Resolve(string[]? named, string sysfs = "/sys")
    {
        var driver = Path.Combine(sysfs, "bus", "pci", "drivers", "vfio-pci");
        var addresses = named is { Length: > 0 } ? named.Select(Validate).ToArray() : BoundTo(driver);
        if (addresses.Length == 0)
            throw new InvalidOperationException($"no device bound to vfio-pci ({driver}): bind the VM's devices to vfio-pci or pass --device 0000:00:03.0");
        return addresses.Distinct(StringComparer.Ordinal).Select(address => (address, GroupOf(sysfs, driver, address))).ToArray();
    }

    /// <summary>A PCI address (domain:bus:device.function) as sysfs spells it; a cdev path is the iommufd-only form.</summary>
    internal static string Validate(string device)
    {
        if (device.StartsWith("/dev/vfio/devices/", StringComparison.Ordinal))
            throw new InvalidOperationException($"--device {device}: a VFIO device cdev, which this kernel (no iommufd) does not have; on the legacy VFIO container name the device by its PCI address (e.g. 0000:00:03.0)");
        var address = device.Contains(':', StringComparison.Ordinal) && device.Split(':').Length == 2 ? "0000:" + device : device;
        return PciAddress().IsMatch(address)
            ? address.ToLowerInvariant()
            : throw new InvalidOperationException($"--device {device}: not a PCI address (domain:bus:device.function, e.g. 0000:00:03.0)");
    }

    private static string[] BoundTo(string driver) => Directory.Exists(driver)
        ? Directory.GetFileSystemEntries(driver).Select(Path.GetFileName).OfType<string>()
            .Where(name => PciAddress().IsMatch(name)).Order(StringComparer.Ordinal).ToArray()
        : [];

    private static int GroupOf(string sysfs, string driver, string address)
    {
        var device = Path.Combine(sysfs, "bus", "pci", "devices", address);
        if (!Directory.Exists(device))
            throw new InvalidOperationException($"--device {address}: no such PCI device ({device})");
        if (!Directory.Exists(Path.Combine(driver, address)))
            throw new InvalidOperationException($"--device {address}: not bound to vfio-pci (bind it: echo vfio-pci > {device}/driver_override; echo {address} > {sysfs}/bus/pci/drivers_probe)");
        var group = new DirectoryInfo(Path.Combine(device, "iommu_group")).LinkTarget;
        return group is not null && int.TryParse(Path.GetFileName(group), out var number)
            ? number
            : throw new InvalidOperationException($"--device {address}: no IOMMU group ({device}/iommu_group): the IOMMU is off or does not cover this device");
    }

    [GeneratedRegex("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\\.[0-7]$")]
    private static partial Regex PciAddress();
}
