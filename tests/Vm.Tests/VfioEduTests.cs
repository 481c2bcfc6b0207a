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
        var edus = QemuEduDevice.Devices;
        Assert.NotEmpty(edus);
        var cdevs = GuestKernel.Probe(KernelOffer.VfioCdev).Present;
        foreach (var edu in edus)
        {
            Assert.Equal((QemuEduDevice.VendorId, QemuEduDevice.DeviceId), (edu.VendorId, edu.DeviceId));
            Assert.Equal(PciDevice.VfioPci, edu.Driver);
            Assert.NotNull(edu.IommuGroup);
            Assert.True(File.Exists(edu.GroupPath), $"no VFIO group node {edu.GroupPath} for {edu}");
            Assert.Contains(edu, edu.GroupMembers);
            if (!cdevs) continue;
            Assert.True(File.Exists(edu.RequireCdevPath()), $"no /dev node {edu.CdevPath} for {edu}");
            Assert.Equal(edu, PciDevice.FromCdev(edu.CdevPath!));
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Each_edu_cdev_is_a_vfio_device_that_answers_EINVAL_until_it_is_bound_to_an_iommufd()
    {
        // vfio_device_fops_unl_ioctl (drivers/vfio/vfio_main.c): every ioctl but VFIO_DEVICE_BIND_IOMMUFD is EINVAL
        // before the bind grants access; a file that is not a VFIO device would answer ENOTTY.
        GuestKernel.Require(KernelOffer.VfioCdev);
        foreach (var edu in QemuEduDevice.Devices)
        {
            using var cdev = File.OpenHandle(edu.RequireCdevPath(), FileMode.Open, FileAccess.ReadWrite);
            var info = new vfio_device_info { argsz = vfio_device_info.NativeSize };
            Assert.Equal(-Errno.EINVAL, Ioctls.TryVFIO_DEVICE_GET_INFO((int)cdev.DangerousGetHandle(), ref info));
        }
    }
}
