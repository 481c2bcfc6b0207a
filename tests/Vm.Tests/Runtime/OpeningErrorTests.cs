using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Opening a container, group or device wrongly on the real kernel: the error names what is missing and the fix,
/// and where the kernel answers one EINVAL for several causes, the one this wrapper's state says it is.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class OpeningErrorTests
{
    [Fact]
    public void A_container_opened_on_a_file_that_is_not_one_names_the_path_and_the_container()
    {
        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_GET_API_VERSION), Errno.ENOTTY, () => VfioContainer.Open("/dev/null"));

        Assert.Contains("/dev/null is not the VFIO container", e.Message);
        Assert.Contains("open /dev/vfio/vfio", e.Message);
    }

    [Fact]
    public void Setting_the_IOMMU_before_a_group_joined_says_no_group_has_joined()
    {
        // kernel: drivers/vfio/container.c vfio_ioctl_set_iommu "list_empty(&container->group_list) -> EINVAL"
        using var container = VfioContainer.Open();

        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_SET_IOMMU), Errno.EINVAL, () => container.SetIommu());

        Assert.Contains("no group has joined this container yet", e.Message);
    }

    [Fact]
    public void Setting_the_IOMMU_twice_says_it_is_set_already()
    {
        // kernel: drivers/vfio/container.c vfio_ioctl_set_iommu "container->iommu_driver -> EINVAL", the same errno
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);

        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_SET_IOMMU), Errno.EINVAL, () => set.Container!.SetIommu());

        Assert.Contains("this container's IOMMU is already set", e.Message);
    }

    [Fact]
    public void Binding_a_device_twice_says_it_is_bound_with_its_id()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Iommufd);
        var device = set.Devices[0];

        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_BIND_IOMMUFD), Errno.EINVAL, () => device.Device.BindIommufd(set.IommuFd!));

        Assert.Contains($"this device is bound already (iommufd device id {device.IommufdDeviceId}): a device binds once", e.Message);
    }

    [Fact]
    public void Attaching_before_binding_says_to_bind_first()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);

        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT), Errno.EINVAL, () => device.Attach(ioas.Id));

        Assert.Contains("not bound to an iommufd yet: BindIommufd first", e.Message);
    }

    [Fact]
    public void Binding_a_device_opened_through_its_group_says_only_a_cdev_binds()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);
        using var iommu = IommuFd.Open();

        var e = KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_BIND_IOMMUFD), Errno.EINVAL, () => set.Devices[0].Device.BindIommufd(iommu));

        Assert.Contains("opened through its group", e.Message);
    }

    [Fact]
    public void A_missing_cdev_says_what_is_missing()
    {
        var e = Assert.Throws<IommuEnvironmentException>(() => VfioDevice.Open("/dev/vfio/devices/vfio99"));

        Assert.Equal(Errno.ENOENT, e.Errno);
        var cdevs = GuestKernel.Probe(KernelOffer.VfioCdev).Present;
        Assert.Contains(cdevs ? "no such VFIO device cdev" : "this kernel has no VFIO device cdevs", e.Problem);
        if (!cdevs) Assert.Contains("CONFIG_VFIO_DEVICE_CDEV", e.Fix);
    }

    [Fact]
    public void A_missing_group_says_how_a_group_node_appears()
    {
        var e = Assert.Throws<IommuEnvironmentException>(() => VfioGroup.Open(9999));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("no /dev/vfio/9999", e.Problem);
        Assert.Contains("bind the group's devices to vfio-pci", e.Fix);
    }
}
