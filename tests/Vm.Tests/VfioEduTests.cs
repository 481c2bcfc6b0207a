namespace Vm.Tests;

/// <summary>The guest's edu devices (QEMU 1234:11e8) are handed to vfio-pci and get a VFIO cdev.</summary>
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class VfioEduTests
{
    private static List<string> EduDevices() =>
        Directory.EnumerateFileSystemEntries("/sys/bus/pci/devices")
            .Where(dev => Read(dev, "vendor") == "0x1234" && Read(dev, "device") == "0x11e8")
            .Order()
            .ToList();

    private static string Read(string dev, string attribute) => File.ReadAllText(Path.Combine(dev, attribute)).Trim();

    [Fact]
    [Trait("Category", "Vm")]
    public void EveryEduDeviceIsBoundToVfioPciWithACdev()
    {
        var edus = EduDevices();
        Assert.NotEmpty(edus);
        foreach (var dev in edus)
        {
            var driver = new DirectoryInfo(Path.Combine(dev, "driver")).LinkTarget;
            Assert.Equal("vfio-pci", Path.GetFileName(driver));
            var cdev = Assert.Single(Directory.GetDirectories(Path.Combine(dev, "vfio-dev")));
            Assert.True(File.Exists(Path.Combine("/dev/vfio/devices", Path.GetFileName(cdev))), $"no /dev node for {cdev}");
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Vfio0CdevExistsAndOpens()
    {
        Assert.True(File.Exists("/dev/vfio/devices/vfio0"), "/dev/vfio/devices/vfio0 is missing: no device is bound to vfio-pci");
        using var device = File.OpenHandle("/dev/vfio/devices/vfio0", FileMode.Open, FileAccess.ReadWrite);
        Assert.False(device.IsInvalid);
    }
}
