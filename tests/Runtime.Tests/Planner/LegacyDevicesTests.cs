using Linux.Iommu.Cli;

namespace Linux.Iommu.Tests.Planner;

/// <summary><c>iommu plan --device</c> on a kernel without iommufd: PCI addresses checked and their groups read from a
/// sysfs tree. The tree is built in a temporary directory (same links as /sys/bus/pci: a stand-in for the kernel's sysfs,
/// which a host without vfio-pci devices cannot give); the real one is read by Vm.Tests.Planner.PlanCliTests on 6.1.</summary>
public sealed class LegacyDevicesTests : IDisposable
{
    private readonly string _sysfs = Directory.CreateTempSubdirectory("legacy-devices-").FullName;

    public void Dispose() => Directory.Delete(_sysfs, recursive: true);

    /// <summary>A PCI device in IOMMU group <paramref name="group"/>, bound to vfio-pci when <paramref name="bound"/>.</summary>
    private void Device(string address, int? group, bool bound)
    {
        var device = Directory.CreateDirectory(Path.Combine(_sysfs, "bus", "pci", "devices", address)).FullName;
        var driver = Directory.CreateDirectory(Path.Combine(_sysfs, "bus", "pci", "drivers", "vfio-pci")).FullName;
        if (group is { } g)
            File.CreateSymbolicLink(Path.Combine(device, "iommu_group"), Directory.CreateDirectory(Path.Combine(_sysfs, "kernel", "iommu_groups", $"{g}")).FullName);
        if (bound) File.CreateSymbolicLink(Path.Combine(driver, address), device);
    }

    [Fact]
    public void Every_device_bound_to_vfio_pci_with_its_group_when_none_is_named()
    {
        Device("0000:00:04.0", 7, bound: true);
        Device("0000:00:03.0", 5, bound: true);
        Device("0000:00:02.0", 3, bound: false);

        Assert.Equal([("0000:00:03.0", 5), ("0000:00:04.0", 7)], LegacyDevices.Resolve(null, _sysfs));
        Assert.Equal([("0000:00:04.0", 7)], LegacyDevices.Resolve(["00:04.0"], _sysfs));
    }

    [Fact]
    public void A_bad_device_is_named_with_what_is_wrong()
    {
        Assert.Contains("no device bound to vfio-pci", Error(null));
        Device("0000:00:02.0", 3, bound: false);
        Device("0000:00:05.0", null, bound: true);

        Assert.Contains("--device /dev/vfio/devices/vfio0: a VFIO device cdev, which this kernel (no iommufd) does not have", Error(["/dev/vfio/devices/vfio0"]));
        Assert.Contains("--device 3: not a PCI address", Error(["3"]));
        Assert.Contains("--device 0000:00:1f.7: no such PCI device", Error(["0000:00:1f.7"]));
        Assert.Contains("--device 0000:00:02.0: not bound to vfio-pci", Error(["0000:00:02.0"]));
        Assert.Contains("--device 0000:00:05.0: no IOMMU group", Error(["0000:00:05.0"]));
    }

    private string Error(string[]? named) => Assert.Throws<InvalidOperationException>(() => LegacyDevices.Resolve(named, _sysfs)).Message;
}
