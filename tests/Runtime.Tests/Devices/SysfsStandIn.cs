namespace Linux.Iommu.Tests.Devices;

/// <summary>A stand-in for the kernel's sysfs and /dev, built in a temporary directory with the same files and links
/// (/sys/bus/pci/devices/ADDRESS/{vendor,device,class,driver,iommu_group,vfio-dev}, /sys/bus/pci/drivers,
/// /sys/kernel/iommu_groups, /sys/class/vfio-dev): a host without vfio-pci devices cannot give the real one, which
/// Vm.Tests reads in the guest.</summary>
internal sealed class SysfsStandIn : IDisposable
{
    public SysfsStandIn() => Root = Directory.CreateTempSubdirectory("sysfs-stand-in-").FullName;

    /// <summary>The root holding sys/ and dev/.</summary>
    public string Root { get; }

    private const int VfioDeviceMajor = 237;

    public string Sys(params string[] parts) => Path.Combine([Root, "sys", .. parts]);

    /// <summary>A PCI function with its ids, in <paramref name="group"/> when given, bound to <paramref name="driver"/>
    /// when given, with VFIO device vfio<paramref name="cdev"/> when given: with a device number (dev) and a node in
    /// dev/vfio/devices, or, with <paramref name="cdevNode"/> false, as a kernel without CONFIG_VFIO_DEVICE_CDEV lists it.</summary>
    public string Device(string address, ushort vendor = 0x1234, ushort device = 0x11e8, uint classCode = 0x00ff00, int? group = null, string? driver = null, int? cdev = null, bool cdevNode = true)
    {
        var path = Directory.CreateDirectory(Sys("bus", "pci", "devices", address)).FullName;
        File.WriteAllText(Path.Combine(path, "vendor"), $"0x{vendor:x4}\n");
        File.WriteAllText(Path.Combine(path, "device"), $"0x{device:x4}\n");
        File.WriteAllText(Path.Combine(path, "class"), $"0x{classCode:x6}\n");
        File.WriteAllText(Path.Combine(path, "driver_override"), "(null)\n");
        File.WriteAllText(Sys("bus", "pci", "drivers_probe"), "");
        if (group is { } g)
        {
            var groupDevices = Directory.CreateDirectory(Sys("kernel", "iommu_groups", $"{g}", "devices")).FullName;
            File.CreateSymbolicLink(Path.Combine(path, "iommu_group"), Path.GetDirectoryName(groupDevices)!);
            File.CreateSymbolicLink(Path.Combine(groupDevices, address), path);
        }
        if (driver is not null) Bind(address, driver);
        if (cdev is { } n)
        {
            var entry = Directory.CreateDirectory(Path.Combine(path, "vfio-dev", $"vfio{n}")).FullName;
            File.CreateSymbolicLink(Path.Combine(entry, "device"), path);
            Directory.CreateDirectory(Sys("class", "vfio-dev"));
            File.CreateSymbolicLink(Sys("class", "vfio-dev", $"vfio{n}"), entry);
            if (cdevNode) File.WriteAllText(Path.Combine(entry, "dev"), $"{VfioDeviceMajor}:{n}\n");
        }
        return path;
    }

    /// <summary>What the kernel does when <paramref name="driver"/> binds the device: the driver link, and the driver's entry.</summary>
    public void Bind(string address, string driver)
    {
        var device = Sys("bus", "pci", "devices", address);
        var drivers = Directory.CreateDirectory(Sys("bus", "pci", "drivers", driver)).FullName;
        File.WriteAllText(Path.Combine(drivers, "unbind"), "");
        var link = Path.Combine(device, "driver");
        if (File.Exists(link) || Directory.Exists(link)) File.Delete(link);
        File.CreateSymbolicLink(link, drivers);
    }

    /// <summary>A driver directory with nothing bound.</summary>
    public void Driver(string driver)
    {
        var drivers = Directory.CreateDirectory(Sys("bus", "pci", "drivers", driver)).FullName;
        File.WriteAllText(Path.Combine(drivers, "unbind"), "");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
