using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Devices;

/// <summary><see cref="PciDevice"/> over a <see cref="SysfsStandIn"/> tree; the kernel's own sysfs is read by
/// Vm.Tests.Runtime.VfioDeviceSetTests in the guest.</summary>
public sealed class PciDeviceTests : IDisposable
{
    private readonly SysfsStandIn _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    [Theory]
    [InlineData("0000:00:03.0", "0000:00:03.0")]
    [InlineData("00:03.0", "0000:00:03.0")]
    [InlineData("0000:AF:1F.7", "0000:af:1f.7")]
    [InlineData("10000:e1:00.0", "10000:e1:00.0")]
    public void An_address_is_spelled_as_sysfs_spells_it(string text, string address) => Assert.Equal(address, PciDevice.ParseAddress(text));

    [Theory]
    [InlineData("3")]
    [InlineData("0000:00:03")]
    [InlineData("0000:00:20.0")]
    [InlineData("0000:00:03.8")]
    [InlineData("/dev/vfio/devices/vfio0")]
    [InlineData("")]
    public void Text_that_is_not_an_address_is_refused_with_the_form_expected(string text)
    {
        Assert.False(PciDevice.TryParseAddress(text, out _));
        Assert.Contains("is not a PCI address (domain:bus:device.function", Assert.Throws<ArgumentException>(() => PciDevice.ParseAddress(text)).Message);
    }

    [Fact]
    public void Ids_driver_group_and_cdev_come_from_sysfs()
    {
        _sysfs.Device("0000:00:03.0", vendor: 0x1b36, device: 0x0010, classCode: 0x010802, group: 5, driver: "vfio-pci", cdev: 2);

        var device = PciDevice.FromAddress("00:03.0", _sysfs.Root);

        Assert.Equal((0x1b36, 0x0010, 0x010802u), (device.VendorId, device.DeviceId, device.ClassCode));
        Assert.Equal("vfio-pci", device.Driver);
        Assert.Equal(5, device.IommuGroup);
        Assert.Equal(Path.Combine(_sysfs.Root, "dev", "vfio", "devices", "vfio2"), device.CdevPath);
        Assert.Equal(Path.Combine(_sysfs.Root, "dev", "vfio", "5"), device.GroupPath);
        Assert.Equal(["0000:00:03.0"], device.GroupMembers.Select(d => d.Address));
    }

    [Fact]
    public void A_device_without_a_driver_group_or_cdev_says_null()
    {
        _sysfs.Device("0000:00:04.0");

        var device = PciDevice.FromAddress("0000:00:04.0", _sysfs.Root);

        Assert.Null(device.Driver);
        Assert.Null(device.IommuGroup);
        Assert.Null(device.CdevPath);
        Assert.Null(device.GroupPath);
    }

    [Fact]
    public void Devices_are_found_by_ids_class_and_driver_in_address_order()
    {
        _sysfs.Device("0000:00:05.0", vendor: 0x1234, device: 0x11e8, driver: "vfio-pci");
        _sysfs.Device("0000:00:03.0", vendor: 0x1234, device: 0x11e8);
        _sysfs.Device("0000:00:04.0", vendor: 0x1b36, device: 0x0010, classCode: 0x010802, driver: "nvme");

        Assert.Equal(["0000:00:03.0", "0000:00:05.0"], PciDevice.FindById(0x1234, 0x11e8, _sysfs.Root).Select(d => d.Address));
        Assert.Equal(["0000:00:04.0"], PciDevice.FindByClass(0x010802, _sysfs.Root).Select(d => d.Address));
        Assert.Equal(["0000:00:05.0"], PciDevice.BoundTo("vfio-pci", _sysfs.Root).Select(d => d.Address));
        Assert.Empty(PciDevice.FindById(0x8086, 0x1234, _sysfs.Root));
    }

    [Fact]
    public void A_cdev_leads_to_its_PCI_device()
    {
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci", cdev: 0);

        Assert.Equal("0000:00:03.0", PciDevice.FromCdev("/dev/vfio/devices/vfio0", _sysfs.Root).Address);
    }

    [Fact]
    public void A_VFIO_device_without_a_device_number_has_no_cdev_as_on_a_kernel_without_CONFIG_VFIO_DEVICE_CDEV()
    {
        _sysfs.Device("0000:00:03.0", group: 5, driver: "vfio-pci", cdev: 0, cdevNode: false);

        Assert.Null(PciDevice.FromAddress("0000:00:03.0", _sysfs.Root).CdevPath);
        var e = Assert.Throws<IommuEnvironmentException>(() => PciDevice.FromCdev("/dev/vfio/devices/vfio0", _sysfs.Root));
        Assert.Contains("/dev/vfio/devices/vfio0: no such VFIO device cdev", e.Message);
    }

    [Fact]
    public void A_missing_cdev_says_what_cdevs_need_and_offers_the_group()
    {
        var e = Assert.Throws<IommuEnvironmentException>(() => PciDevice.FromCdev("/dev/vfio/devices/vfio7", _sysfs.Root));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("/dev/vfio/devices/vfio7: no such VFIO device cdev", e.Message);
        Assert.Contains("Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV", e.Message);
        Assert.Contains("IommuBackend.Type1", e.Message);
    }

    [Fact]
    public void A_missing_device_is_named_with_its_sysfs_path()
    {
        var e = Assert.Throws<IommuEnvironmentException>(() => PciDevice.FromAddress("0000:00:1f.7", _sysfs.Root));

        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Contains($"0000:00:1f.7: no such PCI device ({_sysfs.Sys("bus", "pci", "devices", "0000:00:1f.7")})", e.Message);
    }

    [Fact]
    public void A_device_bound_elsewhere_is_told_the_commands_that_bind_it_to_vfio_pci()
    {
        _sysfs.Device("0000:00:04.0", group: 3, driver: "nvme");
        var device = PciDevice.FromAddress("0000:00:04.0", _sysfs.Root);

        var message = Assert.Throws<IommuEnvironmentException>(device.RequireVfioPci).Message;

        var pci = _sysfs.Sys("bus", "pci");
        Assert.Contains("open PCI device 0000:00:04.0 for VFIO: it is not bound to vfio-pci (driver: nvme)", message);
        Assert.Contains($"echo vfio-pci > {pci}/devices/0000:00:04.0/driver_override; echo 0000:00:04.0 > {pci}/drivers/nvme/unbind; echo 0000:00:04.0 > {pci}/drivers_probe", message);
    }

    [Fact]
    public void A_device_without_an_IOMMU_group_says_the_IOMMU_is_off()
    {
        _sysfs.Device("0000:00:04.0", driver: "vfio-pci");

        var message = Assert.Throws<IommuEnvironmentException>(() => PciDevice.FromAddress("0000:00:04.0", _sysfs.Root).RequireIommuGroup()).Message;

        Assert.Contains("find the IOMMU group of PCI device 0000:00:04.0: it has none", message);
        Assert.Contains("the IOMMU is off", message);
    }

    [Fact]
    public async Task Binding_to_vfio_pci_writes_driver_override_unbind_and_drivers_probe_and_waits_for_the_kernel()
    {
        _sysfs.Device("0000:00:04.0", group: 3, driver: "nvme");
        _sysfs.Driver("vfio-pci");
        Directory.CreateDirectory(_sysfs.Sys("class", "vfio-dev")); // a kernel with cdevs
        var device = PciDevice.FromAddress("0000:00:04.0", _sysfs.Root);
        // the kernel's part, played once drivers_probe is written: vfio-pci binds and the cdev appears
        var kernel = Task.Run(async () =>
        {
            while (File.ReadAllText(_sysfs.Sys("bus", "pci", "drivers_probe")) == "") await Task.Delay(5, TestContext.Current.CancellationToken);
            _sysfs.Bind("0000:00:04.0", "vfio-pci");
            var entry = Directory.CreateDirectory(Path.Combine(device.SysfsPath, "vfio-dev", "vfio1")).FullName;
            File.WriteAllText(Path.Combine(entry, "dev"), "237:1\n");
            File.WriteAllText(Directory.CreateDirectory(Path.Combine(_sysfs.Root, "dev", "vfio", "devices")).FullName + "/vfio1", "");
        }, TestContext.Current.CancellationToken);

        device.BindToVfioPci(TimeSpan.FromSeconds(10));
        await kernel;

        Assert.Equal("vfio-pci", File.ReadAllText(Path.Combine(device.SysfsPath, "driver_override")));
        Assert.Equal("0000:00:04.0", File.ReadAllText(_sysfs.Sys("bus", "pci", "drivers", "nvme", "unbind")));
        Assert.Equal("0000:00:04.0", File.ReadAllText(_sysfs.Sys("bus", "pci", "drivers_probe")));
        Assert.Equal("vfio-pci", device.Driver);
        Assert.EndsWith("/dev/vfio/devices/vfio1", device.CdevPath);
    }

    [Fact]
    public void A_kernel_that_does_not_bind_is_reported_with_the_driver_it_left()
    {
        _sysfs.Device("0000:00:04.0", group: 3, driver: "nvme");
        _sysfs.Driver("vfio-pci");
        var device = PciDevice.FromAddress("0000:00:04.0", _sysfs.Root);

        var message = Assert.Throws<TimeoutException>(() => device.BindToVfioPci(TimeSpan.FromMilliseconds(100))).Message;

        Assert.Contains("0000:00:04.0 bound to vfio-pci (now: nvme)", message);
    }

    [Fact]
    public void Binding_to_a_driver_the_kernel_lacks_names_it()
    {
        _sysfs.Device("0000:00:04.0", group: 3, driver: "vfio-pci");

        var message = Assert.Throws<IommuEnvironmentException>(() => PciDevice.FromAddress("0000:00:04.0", _sysfs.Root).BindToDriver("nvme")).Message;

        Assert.Contains("the kernel has no PCI driver nvme", message);
    }
}
