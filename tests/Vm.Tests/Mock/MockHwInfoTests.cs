using System.Runtime.InteropServices;
using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing.Native;

namespace Vm.Tests.Mock;

/// <summary>IOMMU_GET_HW_INFO on a mock device: the selftest driver's own type and register
/// (iommufd.c TEST_F(iommufd_ioas, get_hw_info) through iommufd_utils.h _test_cmd_get_hw_info).</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class MockHwInfoTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public unsafe void Mock_device_reports_the_selftest_type_0xfeedbeef_and_its_register_value()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        var data = new byte[iommu_test_hw_info.NativeSize + 8]; // larger than the struct: the kernel must zero the tail
        data.AsSpan().Fill(0xa5);
        var info = iommu_hw_info.Create();
        info.dev_id = mock.Device.IdevId;
        info.data_len = (uint)data.Length;
        fixed (byte* buffer = data)
        {
            info.data_uptr = (ulong)buffer;
            Ioctls.IOMMU_GET_HW_INFO((int)mock.Iommu.Handle.DangerousGetHandle(), ref info);
        }

        Assert.Equal(SelftestConstants.IOMMU_HW_INFO_TYPE_SELFTEST, info.out_data_type);
        Assert.Equal(0xfeedbeefu, info.out_data_type); // the number the selftest's iommufd_test.h defines
        Assert.Equal((uint)iommu_test_hw_info.NativeSize, info.data_len);
        var registers = MemoryMarshal.Read<iommu_test_hw_info>(data);
        Assert.Equal(SelftestConstants.IOMMU_HW_INFO_SELFTEST_REGVAL, registers.test_reg);
        Assert.Equal(0u, registers.flags);
        Assert.True(data.AsSpan((int)info.data_len).IndexOfAnyExcept((byte)0) < 0, "the kernel left the bytes after data_len as they were");
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_runtime_decodes_the_mock_type_as_raw_data_it_does_not_know()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();

        var info = mock.Iommu.GetHwInfo(mock.Device.IdevId);

        Assert.Equal(SelftestConstants.IOMMU_HW_INFO_TYPE_SELFTEST, (uint)info.Type);
        Assert.Null(info.Vtd);
        Assert.Null(info.SmmuV3);
        Assert.Null(info.Amd);
        Assert.Equal(SelftestConstants.IOMMU_HW_INFO_SELFTEST_REGVAL, MemoryMarshal.Read<iommu_test_hw_info>(info.Data.Span).test_reg);
        // iommufd_dirty_tracking device_dirty_capability: the mock's IOMMU can track dirty pages.
        Assert.True(info.Capabilities.HasFlag(HwCapabilities.DirtyTracking));
    }
}
