using Linux.Iommu.Planner;
using Linux.Iommu.Tests.Features;
using static Linux.Iommu.Tests.Planner.RecordedHosts;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Nesting on a kernel that lacks an ioctl the model's nested allocation needs: probed features from
/// <see cref="FakeIommufdDispatch"/> (a mock of the kernel's dispatch; the VM tier plans on real 6.12 and 7.3).</summary>
public class KernelRequirementsTests
{
    private static readonly KernelFeatures Linux612 = new("6.12.117", FeatureProbe.Run(FakeIommufdDispatch.Linux612().Issue));
    private static readonly KernelFeatures Linux73 = new("7.3.4", FeatureProbe.Run(new FakeIommufdDispatch([], []).Issue));

    private static ArmSmmuV3Model QemuVirtGuest => new(TwoLevelStreamTable: true, StreamIdBits: 16, RangeInvalidation: true, OutputAddressBits: 44, Granule16K: true, Granule64K: true);

    [Fact]
    public void An_SMMUv3_guest_whose_host_could_nest_is_not_nested_on_a_kernel_without_IOMMU_VIOMMU_ALLOC()
    {
        var spec = SmmuV3(QemuVirtGuest);
        var report = ViommuPlanner.Decide(spec, [("dev0", QemuSmmuV3)], X86Ioas, KernelRequirements.For(spec, Linux612));

        Assert.NotEqual(PlanDecision.Nested, report.Decision);
        var missing = Assert.Single(report.Failures(PlanDecision.Nested)).Requirement;
        Assert.Equal(Id.KernelViommuAlloc, missing.Id);
        Assert.StartsWith("missing from kernel 6.12.117 (probed; absent from ", missing.Offered);
        Assert.Equal(PlanDecision.Nested, ViommuPlanner.Decide(spec, [("dev0", QemuSmmuV3)], X86Ioas, KernelRequirements.For(spec, Linux73)).Decision);
    }

    [Fact]
    public void A_VTd_guest_needs_no_vIOMMU_object_from_the_kernel()
    {
        Assert.Empty(KernelRequirements.For(Vtd(), Linux612));
    }

    [Fact]
    public void A_host_recorded_on_a_kernel_without_IOMMU_VIOMMU_ALLOC_plans_as_that_kernel_did()
    {
        var host = new RecordedHost("6.12.117", "aarch64", 4096, [new RecordedDevice("edu", 1, QemuSmmuV3, X86Ioas.IovaRanges, 4096)])
        {
            KernelLacks = Linux612.All.Where(s => !s.Supported).Select(s => s.Name).ToList(),
        };

        var back = RecordedHostJson.Parse(RecordedHostJson.Write(host));
        var report = new ViommuPlanner().Plan(SmmuV3(QemuVirtGuest), back);

        Assert.Equal(host.KernelLacks, back.KernelLacks);
        Assert.Contains("IOMMU_VIOMMU_ALLOC", back.KernelLacks);
        Assert.Equal([Id.KernelViommuAlloc], report.Failures(PlanDecision.Nested).Select(f => f.Requirement.Id));
        Assert.Empty(RecordedHostJson.Parse(RecordedHostJson.Write(host with { KernelLacks = [] })).KernelLacks);
    }
}
