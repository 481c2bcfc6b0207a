using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>IOMMU_HWPT_ALLOC through the generated stub (the runtime has no HWPT API yet).</summary>
public sealed partial class BadInputTests
{
    private static unsafe int TryAllocHwpt(EduIoas rig, uint flags = 0, uint dataType = 0, uint dataLength = 0, uint? devId = null, uint? ptId = null)
    {
        var data = stackalloc byte[64]; // zeroed driver data, larger than any type's
        new Span<byte>(data, 64).Clear();
        var alloc = iommu_hwpt_alloc.Create();
        alloc.flags = flags;
        alloc.dev_id = devId ?? rig.DeviceId;
        alloc.pt_id = ptId ?? rig.Ioas.Id;
        alloc.data_type = dataType;
        alloc.data_len = dataLength;
        alloc.data_uptr = dataLength == 0 ? 0 : (ulong)data;
        var result = Ioctls.TryIOMMU_HWPT_ALLOC(RawIoctl.Fd(rig.Iommu.Handle), ref alloc);
        if (result >= 0) rig.Iommu.Destroy(alloc.out_hwpt_id); // not expected; leave nothing behind either way
        return result;
    }

    [Fact]
    public void Hwpt_alloc_with_an_unknown_data_type_fails_with_EOPNOTSUPP()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, alloc_hwpt_nested) "IOMMU_HWPT_DATA_SELFTEST + 1 -> EOPNOTSUPP"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.EOPNOTSUPP, TryAllocHwpt(rig, dataType: 0xdead, dataLength: 64));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Hwpt_alloc_with_a_data_type_but_no_data_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: hw_pagetable.c iommufd_hwpt_alloc "data_type != NONE && !data_len -> EINVAL"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.EINVAL, TryAllocHwpt(rig, dataType: (uint)HwptDataType.VtdS1));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Hwpt_alloc_with_unknown_flags_fails_with_EOPNOTSUPP()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_mock_domain, alloc_hwpt) "flags ~IOMMU_HWPT_ALLOC_NEST_PARENT -> EOPNOTSUPP"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.EOPNOTSUPP, TryAllocHwpt(rig, flags: ~(uint)HwptAllocFlags.NestParent));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Hwpt_alloc_for_an_ioas_id_given_as_the_device_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, alloc_hwpt_nested) "test_err_hwpt_alloc(ENOENT, ioas_id, device_id)"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.ENOENT, TryAllocHwpt(rig, devId: rig.Ioas.Id));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void HwPagetable_allocate_failing_names_the_device_page_table_and_flags()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // as Hwpt_alloc_on_a_device_id_given_as_the_page_table_fails_with_EINVAL, through the runtime
        using var rig = EduIoas.Open();
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EINVAL, () => HwPagetable.Allocate(rig.Iommu, rig.DeviceId, rig.DeviceId));
        Assert.EndsWith($" - flags 0x0, dev_id {rig.DeviceId}, pt_id {rig.DeviceId}, data_type 0, data_len 0, data_uptr 0x0, fault_id 0", error.Message);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Hwpt_alloc_on_a_device_id_given_as_the_page_table_fails_with_EINVAL()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, alloc_hwpt_nested) "test_err_hwpt_alloc(EINVAL, device_id, device_id)"
        using var rig = EduIoas.Open();
        KernelAssert.Errno(Errno.EINVAL, TryAllocHwpt(rig, ptId: rig.DeviceId));
        rig.AssertNothingLeft();
    }
}
