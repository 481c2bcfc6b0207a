using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Vm.Tests.Planner;

/// <summary>The planner against the real kernel and QEMU's emulated VT-d (which cannot nest): the example specs
/// plan as their descriptions say.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // plans an Intel VT-d host
public sealed class PlannerVmTests
{
    internal static string Spec(string name) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs", name);

    internal static PlanReport PlanWithEdu(string spec) => PlanWithEdu(SpecLoader.Load(Spec(spec)));

    internal static PlanReport PlanWithEdu(GuestViommuSpec spec)
    {
        using var attached = EduIoas.Open();
        using var plan = new ViommuPlanner().Plan(spec, attached.Iommu, attached.Ioas, [new PlannedDevice("edu", attached.Device)]);
        return plan.Report;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void QEMU_VTd_plans_Shadow_for_a_4K_VTd_guest_because_it_cannot_nest()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var report = PlanWithEdu("vtd-shadow-4k.json");

        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.VtdNest);
        Assert.Equal(HwInfoType.IntelVtd, report.Devices[0].HostIommu!.Type);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_guest_needing_IOVAs_above_the_host_width_is_Refused_with_the_range_and_the_width_named()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var report = PlanWithEdu("vtd-refused-57bit.json");

        Assert.True(report.Decision == PlanDecision.Refused, report.Describe());
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowIovaRange && f.Requirement.Required == "[0x1000000000000, 0x1ffffffffffff]");
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowAddressWidth);
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.VtdAddressWidth);
    }
}
