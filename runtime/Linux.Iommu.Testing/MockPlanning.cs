using System.Runtime.InteropServices;
using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing.Native;
using MockConstants = Linux.Iommu.Testing.Native.Constants;

namespace Linux.Iommu.Testing;

/// <summary>The selftest mock as a planner device: the Nested branch of the planner, exercised on any machine that runs
/// our test kernel (CONFIG_IOMMUFD_TEST), since no emulated IOMMU here can nest.</summary>
public static class MockPlanning
{
    /// <summary>The mock device for <see cref="Planner.Planner.Plan"/>: attach is IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE; the
    /// mock has no detach, so detaching puts it back on <paramref name="home"/> (its IOAS).</summary>
    public static PlannedDevice AsPlannedDevice(this MockDevice device, IommuFd iommu, Ioas home, string name = "selftest mock") =>
        new(name, device.IdevId,
            pageTable => SelftestMock.MockDomainReplace(iommu, device, pageTable),
            () => SelftestMock.MockDomainReplace(iommu, device, home.Id));

    /// <summary>Nested objects on the mock (iommufd.c TEST_F(iommufd_ioas, alloc_hwpt_nested)): a nest-parent HWPT on the
    /// IOAS and a nested HWPT of the selftest data type on it.</summary>
    public static NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec)
    {
        var parent = HwPagetable.Allocate(iommu, deviceId, ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_NEST_PARENT);
        try
        {
            var data = new iommu_hwpt_selftest { iotlb = (uint)MockConstants.IOMMU_TEST_IOTLB_DEFAULT };
            var nested = HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, (iommu_hwpt_data_type)MockConstants.IOMMU_HWPT_DATA_SELFTEST,
                MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_selftest>(in data)));
            return new NestedSetup(parent, null, nested);
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    /// <summary>A planner that knows how to nest on the mock.</summary>
    public static Planner.Planner Planner() => new Planner.Planner().WithNestedAllocator(GuestIommuModel.SelftestMock, AllocateNested);
}
