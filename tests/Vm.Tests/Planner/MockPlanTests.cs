using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Id = Linux.Iommu.Planner.RequirementId;
using Linux.Iommu.Testing;
using Vm.Tests.Mock;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>The Nested branch on the kernel selftest's mock IOMMU, and what a running nested plan does with a device
/// it cannot serve (the seed: "fail the hotplug if the new device isn't supportable").</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class MockPlanTests
{
    /// <summary>examples/specs/mock-nested.json for the mock device, by a planner that knows the selftest-mock model.</summary>
    private static RunningPlan PlanMock(IommuFd iommu, Ioas ioas, MockDevice mock)
    {
        var planner = MockPlanning.Planner();
        return planner.Plan(planner.LoadSpec(PlannerVmTests.Spec("mock-nested.json")), iommu, ioas, [mock.AsPlannedDevice(iommu, ioas)]);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_mock_spec_plans_Nested_and_the_device_runs_on_a_real_nest_parent()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var mock = SelftestMock.MockDomain(iommu, ioas);
        using var plan = PlanMock(iommu, ioas, mock);

        Assert.True(plan.Decision == PlanDecision.Nested, plan.Report.Describe());
        var nested = plan.NestedOf("selftest mock")!;
        // the device sits on the nest parent, so the parent is busy
        var busy = Assert.Throws<IommuException>(nested.Parent.Destroy);
        Assert.Equal(Errno.EBUSY, busy.Errno);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_mock_host_recorded_here_plans_the_mock_spec_Nested_as_live_with_the_allocation_not_tried()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var mock = SelftestMock.MockDomain(iommu, ioas);
        var planner = MockPlanning.Planner();
        var recorded = RecordedHostJson.Parse(RecordedHostJson.Write(RecordedHost.Record(iommu, [mock.AsPlannedDevice(iommu, ioas)])), "the mock's record");
        RecordedHostTests.Save(recorded, "selftest-mock");
        var spec = planner.LoadSpec(PlannerVmTests.Spec("mock-nested.json"));

        using var live = planner.Plan(spec, iommu, ioas, [mock.AsPlannedDevice(iommu, ioas)]);
        var offline = planner.Plan(spec, recorded);

        Assert.Equal(PlanDecision.Nested, offline.Decision);
        RecordedHostTests.AssertPlansAlike(live.Report, offline, "mock-nested.json");
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Hot_plugging_a_VTd_device_into_a_mock_Nested_plan_is_refused_and_nothing_changes()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var mock = SelftestMock.MockDomain(iommu, ioas);
        using var plan = PlanMock(iommu, ioas, mock);
        Assert.Equal(PlanDecision.Nested, plan.Decision);
        using var buffer = DmaBuffer.Allocate(16 * 4096);
        var iova = MockIoas.ApertureStart;
        ioas.Map(iova, buffer, DmaAccess.ReadWrite);

        using var edu = VfioDevice.Open(QemuEduDevice.CdevPath);
        edu.BindIommufd(iommu);
        var report = plan.HotPlug(new PlannedDevice("edu", edu));

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.HostModel && f.Requirement.Offered == "IOMMU_HW_INFO_TYPE_INTEL_VTD");
        Assert.Equal(["selftest mock"], plan.Devices.Select(d => d.Name));
        Assert.NotNull(plan.NestedOf("selftest mock"));
        ioas.Unmap(iova, buffer); // the running plan's mapping is exactly as it was
        // the refused device was never attached: it can still join another IOAS
        using var other = iommu.AllocIoas();
        edu.Attach(other.Id);
        edu.Detach();
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_device_leaving_nested_mode_falls_back_to_the_shadow_IOAS()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var mock = SelftestMock.MockDomain(iommu, ioas);
        using var plan = PlanMock(iommu, ioas, mock);
        var nested = plan.NestedOf("selftest mock")!;

        plan.FallBackToShadow("selftest mock");

        Assert.Null(plan.NestedOf("selftest mock"));
        // the nested objects are gone: destroying them again finds nothing
        KernelAssert.Errno(Errno.ENOENT, iommu.TryDestroy(nested.Parent.Id, out var destroyErrno), destroyErrno);
        KernelAssert.Errno(Errno.ENOENT, iommu.TryDestroy(nested.Nested.Id, out destroyErrno), destroyErrno);
        // and the device now maps through the IOAS: the mock's page table follows a new mapping
        using var buffer = DmaBuffer.Allocate(4096);
        ioas.Map(MockIoas.ApertureStart, buffer, DmaAccess.ReadWrite);
        SelftestMock.CheckMap(iommu, mock.HwptId, MockIoas.ApertureStart, 4096, buffer.Address);
        ioas.Unmap(MockIoas.ApertureStart, buffer);
    }
}
