using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Vm.Tests.Planner;

/// <summary>Two edu devices behind one PCIe-to-PCI bridge (tests/vm/tier.sh boots them with --bridged-edu 2): the kernel
/// puts them in one IOMMU group, and the planner gives them one page table or refuses the VM, as the spec says.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "bridge")] // its own boot: two edu devices behind a PCIe-to-PCI bridge
public sealed class BridgeTests
{
    private static PlanReport Plan(BridgedDevices bridged)
    {
        var edus = QemuEduDevice.Devices;
        var cdevs = edus.Select(d => d.RequireCdevPath()).ToList();
        Assert.True(cdevs.Count == 2 && edus.Select(d => d.IommuGroup).Distinct().Count() == 1,
            "this boot needs two edu devices in one IOMMU group (run-in-vm --edu 0 --bridged-edu 2)");
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        var devices = cdevs.Select(VfioDevice.Open).ToList();
        try
        {
            foreach (var device in devices)
            {
                device.BindIommufd(iommu);
                device.Attach(ioas.Id);
            }
            var spec = SpecLoader.Load(PlannerVmTests.Spec("vtd-shadow-4k.json")) with { BridgedDevices = bridged };
            var planned = devices.Select((d, i) => new PlannedDevice($"edu{i}", d, edus[i].IommuGroup)).ToList();
            using var plan = new ViommuPlanner().Plan(spec, iommu, ioas, planned);
            return plan.Report;
        }
        finally
        {
            foreach (var device in devices) device.Dispose();
        }
    }

    [Fact]
    public void Two_devices_behind_one_bridge_share_the_shadow_IOAS_as_one_group()
    {
        var report = Plan(BridgedDevices.SharePageTable);

        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
        var group = Assert.Single(report.TopologyRequirements);
        Assert.True(group.Met);
        Assert.Equal("edu0, edu1 share one requester ID", group.Offered);
    }

    [Fact]
    public void A_spec_refusing_bridged_devices_refuses_this_VM_naming_the_group()
    {
        var report = Plan(BridgedDevices.Refuse);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.SharedIommuGroup);
    }
}
