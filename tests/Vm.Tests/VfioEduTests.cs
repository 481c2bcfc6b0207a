using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests;

/// <summary>The guest's edu devices (QEMU 1234:11e8) are handed to vfio-pci, with a VFIO group node and (Linux 6.6 on) a
/// VFIO cdev.</summary>
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class VfioEduTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void EveryEduDeviceIsBoundToVfioPciWithAGroupAndACdev()
    {
        var edus = QemuEduDevice.SysfsPaths;
        Assert.NotEmpty(edus);
        var cdevs = GuestKernel.Probe(KernelOffer.VfioCdev).Present;
        foreach (var dev in edus)
        {
            var driver = new DirectoryInfo(Path.Combine(dev, "driver")).LinkTarget;
            Assert.Equal("vfio-pci", Path.GetFileName(driver));
            var group = Path.GetFileName(new DirectoryInfo(Path.Combine(dev, "iommu_group")).LinkTarget);
            Assert.True(File.Exists($"/dev/vfio/{group}"), $"no VFIO group node /dev/vfio/{group} for {dev}");
            if (!cdevs) continue;
            var cdev = Assert.Single(Directory.GetDirectories(Path.Combine(dev, "vfio-dev")));
            Assert.True(File.Exists(Path.Combine("/dev/vfio/devices", Path.GetFileName(cdev))), $"no /dev node for {cdev}");
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Each_edu_cdev_is_a_vfio_device_that_answers_EINVAL_until_it_is_bound_to_an_iommufd()
    {
        // vfio_device_fops_unl_ioctl (drivers/vfio/vfio_main.c): every ioctl but VFIO_DEVICE_BIND_IOMMUFD is EINVAL
        // before the bind grants access; a file that is not a VFIO device would answer ENOTTY.
        GuestKernel.Require(KernelOffer.VfioCdev);
        foreach (var sysfs in QemuEduDevice.SysfsPaths)
        {
            using var cdev = File.OpenHandle(QemuEduDevice.CdevOf(sysfs), FileMode.Open, FileAccess.ReadWrite);
            var info = new vfio_device_info { argsz = vfio_device_info.NativeSize };
            Assert.Equal(-Errno.EINVAL, Ioctls.TryVFIO_DEVICE_GET_INFO((int)cdev.DangerousGetHandle(), ref info));
        }
    }
}
