using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>Hot-plug into a running plan (the seed: "fail the hotplug if the new device isn't supportable with the IOAS
/// you already have"): the guest's existing mappings survive either way.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // plans an Intel VT-d host
public sealed class HotPlugTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void A_second_device_behind_the_same_IOMMU_joins_a_Shadow_plan_and_the_mappings_stay()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var edus = QemuEduDevice.Devices;
        Assert.True(edus.Count >= 2, "the VM tier boots two edu devices (tests/vm/tier.sh --edu 2)");
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var first = VfioDevice.Open(edus[0].RequireCdevPath());
        first.BindIommufd(iommu);
        first.Attach(ioas.Id);
        using var plan = new ViommuPlanner().Plan(SpecLoader.Load(PlannerVmTests.Spec("vtd-shadow-4k.json")), iommu, ioas, [new PlannedDevice("edu0", first)]);
        Assert.Equal(PlanDecision.Shadow, plan.Decision);
        using var buffer = DmaBuffer.Allocate(64 * 1024);
        ioas.Map(0x10_0000, buffer, DmaAccess.ReadWrite);

        using var second = VfioDevice.Open(edus[1].RequireCdevPath());
        second.BindIommufd(iommu);
        var report = plan.HotPlug(new PlannedDevice("edu1", second));

        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
        Assert.Equal(["edu0", "edu1"], plan.Devices.Select(d => d.Name));
        ioas.Unmap(0x10_0000, buffer); // the mapping made before the hot-plug is still exactly there
        Assert.Equal(0UL, ioas.UnmapAll());
    }
}
