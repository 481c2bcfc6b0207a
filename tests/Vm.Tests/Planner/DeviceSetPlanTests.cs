using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Vm.Tests.Planner;

/// <summary><see cref="ViommuPlanner.Plan(GuestViommuSpec, VfioDeviceSet)"/> against edu opened on either backend: in the
/// type1 container (every guest kernel; 6.1 has nothing else) Shadow into the container or Refused with the reason, never
/// Nested; on iommufd the same spec plans into the set's IOAS.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
public sealed class DeviceSetPlanTests
{
    private static PlanReport Plan(string spec, IommuBackend backend)
    {
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], backend);
        using var plan = new ViommuPlanner().Plan(SpecLoader.Load(PlannerVmTests.Spec(spec)), set);
        Assert.Same(set.Mapper, plan.ShadowTarget);
        Assert.Same(set.Ioas, plan.Ioas);
        return plan.Report;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_4K_VTd_guest_plans_Shadow_into_the_type1_container_and_Nested_is_refused_naming_why_there_is_no_iommufd()
    {
        var report = Plan("vtd-shadow-4k.json", IommuBackend.Type1);
        var text = report.Describe();

        Assert.True(report.Decision == PlanDecision.Shadow, text);
        var nested = Assert.Single(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.KernelIommufd).Requirement;
        if (GuestKernel.Probe(KernelOffer.Iommufd).Present)
        {
            Assert.Contains("open them with IommuBackend.Iommufd", nested.Offered);
        }
        else
        {
            // Debian's kernels: the reason is the kernel's, read from its config
            Assert.Contains("CONFIG_IOMMUFD is not set in ", nested.Offered);
            Assert.Contains("this kernel was built without it", nested.Offered);
            Assert.Contains(nested.Offered, text);
        }
        Assert.Contains("shadowed into the legacy VFIO type1 container", text);
        Assert.DoesNotContain("kernel-managed IOAS", text);
        Assert.Contains(QemuEduDevice.PciAddress, text);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_57_bit_guest_is_Refused_by_the_containers_IOVA_ranges_and_their_top()
    {
        var report = Plan("vtd-refused-57bit.json", IommuBackend.Type1);

        Assert.True(report.Decision == PlanDecision.Refused, report.Describe());
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowIovaRange);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowAddressWidth);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_same_4K_VTd_guest_plans_Shadow_into_the_sets_IOAS_on_iommufd()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);

        var report = Plan("vtd-shadow-4k.json", IommuBackend.Iommufd);
        var text = report.Describe();

        Assert.True(report.Decision == PlanDecision.Shadow, text); // the main boot's VT-d legacy mode cannot nest
        Assert.DoesNotContain(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.KernelIommufd);
        Assert.Contains("kernel-managed IOAS", text);
        Assert.Contains($"{QemuEduDevice.CdevPath} ({QemuEduDevice.PciAddress})", text);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_plan_in_the_type1_container_refuses_hot_plug_naming_iommufd()
    {
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);
        using var plan = new ViommuPlanner().Plan(SpecLoader.Load(PlannerVmTests.Spec("vtd-shadow-4k.json")), set);

        var e = Assert.Throws<InvalidOperationException>(() => plan.HotPlug(new PlannedDevice("x", 1, _ => 0, () => { })));

        Assert.Contains("this plan runs in the type1 container", e.Message);
        Assert.Empty(plan.Devices);
    }
}
