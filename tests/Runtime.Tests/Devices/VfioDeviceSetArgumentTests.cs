using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Devices;

/// <summary>What <see cref="VfioDeviceSet.Open(IEnumerable{string}, IommuBackend?)"/> refuses before it opens anything,
/// over a <see cref="SysfsStandIn"/> tree; opening on the real kernel is Vm.Tests.Runtime.VfioDeviceSetTests.</summary>
public sealed class VfioDeviceSetArgumentTests : IDisposable
{
    private readonly SysfsStandIn _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    private string Refusal<T>(params string[] names) where T : Exception =>
        Assert.Throws<T>(() => VfioDeviceSet.Open(names, null, _sysfs.Root)).Message;

    [Fact]
    public void A_name_that_is_neither_an_address_a_cdev_nor_a_group_is_refused() =>
        Assert.Contains("'3' is neither a PCI address (0000:00:03.0, or 00:03.0), a VFIO device cdev (/dev/vfio/devices/vfioN) nor a VFIO group node", Refusal<ArgumentException>("3"));

    [Fact]
    public void A_group_node_names_every_device_of_the_group()
    {
        _sysfs.Device("0000:00:04.0", group: 5, driver: "vfio-pci");
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci");
        _sysfs.Device("0000:00:05.0", group: 6, driver: "vfio-pci");

        Assert.Equal(["0000:00:03.0", "0000:00:04.0"], VfioDeviceSet.Resolve("/dev/vfio/5", _sysfs.Root).Select(d => d.Address));
        Assert.Equal(["0000:00:05.0"], VfioDeviceSet.Resolve("0000:00:05.0", _sysfs.Root).Select(d => d.Address));
        Assert.Contains("find the devices of IOMMU group 7: no such IOMMU group", Refusal<IommuEnvironmentException>("/dev/vfio/7"));
    }

    [Fact]
    public void No_device_is_refused() => Assert.Contains("no device to open", Refusal<ArgumentException>());

    [Fact]
    public void A_device_named_twice_is_refused()
    {
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci", cdev: 0);

        Assert.Contains("0000:00:03.0 is named 2 times", Refusal<ArgumentException>("00:03.0", "/dev/vfio/devices/vfio0"));
    }

    [Fact]
    public void A_device_not_bound_to_vfio_pci_or_without_a_group_is_refused_before_anything_opens()
    {
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci");
        _sysfs.Device("0000:00:04.0", group: 6);
        _sysfs.Device("0000:00:05.0", driver: "vfio-pci");

        Assert.Contains("open PCI device 0000:00:04.0 for VFIO: it is not bound to vfio-pci (driver: none)", Refusal<IommuEnvironmentException>("0000:00:03.0", "0000:00:04.0"));
        Assert.Contains("find the IOMMU group of PCI device 0000:00:05.0: it has none", Refusal<IommuEnvironmentException>("0000:00:05.0"));
        Assert.Contains("0000:00:09.0: no such PCI device", Refusal<IommuEnvironmentException>("0000:00:09.0"));
    }

    [Fact]
    public void Iommufd_asked_for_a_device_without_a_cdev_says_what_cdevs_need()
    {
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci");

        var e = Assert.Throws<IommuEnvironmentException>(() => VfioDeviceSet.Open(["0000:00:03.0"], IommuBackend.Iommufd, _sysfs.Root));

        Assert.Contains("open PCI device 0000:00:03.0 through iommufd: it has no VFIO device cdev", e.Message);
        Assert.Contains("Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV", e.Message);
        Assert.Equal(Errno.ENOENT, e.Errno);
    }
}
