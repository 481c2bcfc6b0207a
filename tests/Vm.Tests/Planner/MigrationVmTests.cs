using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>The migration check of a plan running on this kernel: the host recorded here, the VM's mode and devices taken
/// from the running plan, a device hot-plugged into it counted with the others.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // a VT-d host with two edu devices
public sealed class MigrationVmTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void A_running_Shadow_plan_with_a_hot_plugged_device_can_move_to_this_host_and_not_to_one_without_that_device()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var edus = QemuEduDevice.Devices;
        Assert.True(edus.Count >= 2, "the VM tier boots two edu devices (tests/vm/tier.sh --edu 2)");
        var cdevs = edus.Select(d => d.RequireCdevPath()).ToList();
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var first = VfioDevice.Open(cdevs[0]);
        using var second = VfioDevice.Open(cdevs[1]);
        first.BindIommufd(iommu);
        second.BindIommufd(iommu);
        // named as `iommu probe` names them, so the plan's devices are found in the record
        var planned = new[] { first, second }.Select((d, i) => new PlannedDevice($"{cdevs[i]} ({edus[i].Address})", d, edus[i].IommuGroup)).ToList();
        var here = RecordedHostJson.Parse(RecordedHostJson.Write(RecordedHost.Record(iommu, planned)));

        var planner = new ViommuPlanner();
        first.Attach(ioas.Id);
        using var plan = planner.Plan(planner.LoadSpec(PlannerVmTests.Spec("vtd-shadow-4k.json")), iommu, ioas, [planned[0]]);
        Assert.Equal(PlanDecision.Shadow, plan.Decision);
        Assert.Equal(PlanDecision.Shadow, plan.HotPlug(planned[1]).Decision);

        var report = planner.CheckMigration(plan, here, here);
        Assert.True(report.Verdict == MigrationVerdict.CanMove, report.Describe());
        Assert.Equal(PlanDecision.Shadow, report.Mode);
        Assert.Equal(planned.Select(d => d.Name), report.Devices.Select(d => d.Source));

        var withoutSecond = here with { Devices = [here.Devices[0]] };
        var refused = planner.CheckMigration(plan, here, withoutSecond);
        Assert.Equal(MigrationVerdict.Refused, refused.Verdict);
        var missing = Assert.Single(refused.Blocking);
        Assert.Equal((RequirementId.MigrationDevice, planned[1].Name), (missing.Id, missing.Device));
    }
}
