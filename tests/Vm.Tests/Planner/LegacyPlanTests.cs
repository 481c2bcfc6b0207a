using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Vm.Tests.Planner;

/// <summary><see cref="ViommuPlanner.PlanLegacy"/> against the real type1 container holding edu's group, on every
/// guest kernel (6.1 has nothing else): Shadow into the container or Refused with the reason, never Nested.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
public sealed class LegacyPlanTests
{
    private static PlanReport PlanInContainer(string spec)
    {
        using var edu = EduContainer.Open();
        return new ViommuPlanner().PlanLegacy(SpecLoader.Load(PlannerVmTests.Spec(spec)), edu.Container,
            [(QemuEduDevice.PciAddress, QemuEduDevice.Group)]);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_4K_VTd_guest_plans_Shadow_into_the_type1_container_and_nesting_fails_on_iommufd()
    {
        var report = PlanInContainer("vtd-shadow-4k.json");
        var text = report.Describe();

        Assert.True(report.Decision == PlanDecision.Shadow, text);
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.KernelIommufd);
        Assert.Contains("shadowed into the legacy VFIO type1 container", text);
        Assert.DoesNotContain("kernel-managed IOAS", text);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_57_bit_guest_is_Refused_by_the_containers_IOVA_ranges()
    {
        var report = PlanInContainer("vtd-refused-57bit.json");

        Assert.True(report.Decision == PlanDecision.Refused, report.Describe());
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowIovaRange);
    }
}
