using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Device cdev bind/attach and destroying what a device uses.</summary>
public sealed partial class BadInputTests
{
    [Fact]
    public void Destroying_an_ioas_a_device_is_attached_to_fails_with_EBUSY_naming_the_cause_and_Dispose_does_not_throw()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, ioas_destroy) "IOAS cannot be freed while a device has a HWPT using it"
        using var rig = EduIoas.Open();

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_DESTROY), Errno.EBUSY, rig.Ioas.Destroy);
        Assert.Contains($"id {rig.Ioas.Id}; {rig.Ioas} is still in use", error.Message);
        KernelAssert.Errno(Errno.EBUSY, rig.Ioas.TryDestroy(out var destroyErrno), destroyErrno);
        rig.Ioas.Dispose(); // refused by the kernel too, but Dispose never throws

        rig.Ioas.GetIovaRanges(); // the failed destroys left the IOAS usable
        rig.AssertNothingLeft();
        rig.Device.Detach();
        rig.Ioas.Dispose(); // and once the device is gone, destroyable
        KernelAssert.Errno(Errno.ENOENT, rig.Iommu.TryDestroy(rig.Ioas.Id, out destroyErrno), destroyErrno);
    }

    [Fact]
    public void Binding_a_device_twice_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: drivers/vfio/device_cdev.c vfio_df_ioctl_bind_iommufd "one device cannot be bound twice -> EINVAL"
        using var rig = EduIoas.Open();
        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_BIND_IOMMUFD), Errno.EINVAL, () => rig.Device.BindIommufd(rig.Iommu));
        Assert.Equal(rig.DeviceId, rig.Device.DeviceId);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Binding_to_a_descriptor_that_is_not_an_iommufd_fails_with_EBADFD()
    {
        GuestKernel.Require(KernelOffer.VfioCdev);
        // kernel: iommufd main.c iommufd_ctx_from_fd "f_op != &iommufd_fops -> EBADFD"
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        using var notIommufd = IommuFd.FromDescriptor(RawIoctl.Fd(device.Handle), ownsDescriptor: false);
        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_BIND_IOMMUFD), Errno.EBADFD, () => device.BindIommufd(notIommufd));
    }

    [Fact]
    public void Attaching_to_a_nonexistent_page_table_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, hwpt_attach) "test_err_mock_domain(ENOENT, ...)" for an id that is no page table
        using var rig = EduIoas.Open();
        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT), Errno.ENOENT, () => rig.Device.Attach(rig.Ioas.Id + 1000));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Attaching_to_the_device_s_own_id_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, alloc_hwpt_nested) "test_err_hwpt_alloc(EINVAL, device_id, device_id)":
        // a device id where a page table id belongs
        using var rig = EduIoas.Open();
        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT), Errno.EINVAL, () => rig.Device.Attach(rig.DeviceId));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Attaching_an_unbound_device_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: drivers/vfio/vfio_main.c vfio_device_fops_unl_ioctl: a cdev fd without BIND_IOMMUFD has no access
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        KernelAssert.Fails(nameof(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT), Errno.EINVAL, () => device.Attach(ioas.Id));
    }
}
