using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.RecordedHosts;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Planning on a kernel without iommufd: from the type1 container's VFIO_IOMMU_GET_INFO (values as the 6.1
/// guest's container reports them for edu's group), never Nested.</summary>
public class LegacyPlanningTests
{
    /// <summary>What Debian's 7.3 image lacks (IommufdSupport.Missing, as its guest reports it).</summary>
    private static readonly string[] DebianMissing = ["CONFIG_IOMMUFD is not set in /boot/config-7.3.4+deb13-amd64: this kernel was built without it (the distribution's choice; no module to load)"];

    private static readonly Type1Info QemuVtdContainer = new(0x4020_1000, [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, 0xffff_ffff_ffff)], 65535);

    [Fact]
    public void A_VTd_guest_is_shadowed_into_the_container_and_nesting_names_iommufd()
    {
        var report = LegacyPlanning.Decide(Vtd(width: 39), QemuVtdContainer, [("0000:00:01.0", 1)], DebianMissing);

        Assert.Equal(PlanDecision.Shadow, report.Decision);
        var nested = Assert.Single(report.Failures(PlanDecision.Nested)).Requirement;
        Assert.Equal((Id.KernelIommufd, "/dev/iommu: Linux >= 6.2 with CONFIG_IOMMUFD"), (nested.Id, nested.Required));
        Assert.Contains("Device 0000:00:01.0: host IOMMU unknown", report.Describe());
    }

    [Fact]
    public void A_guest_range_beyond_the_containers_is_refused_with_the_range()
    {
        var report = LegacyPlanning.Decide(Vtd(width: 57, ranges: [new IovaRange(0, (1UL << 56) - 1)]), QemuVtdContainer, [("0000:00:01.0", 1)], DebianMissing);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Id == Id.ShadowIovaRange);
    }

    [Fact]
    public void A_container_that_reports_no_ranges_refuses_rather_than_guessing()
    {
        var report = LegacyPlanning.Decide(Vtd(width: 39), QemuVtdContainer with { IovaRanges = null }, [("0000:00:01.0", 1)], DebianMissing);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement.Offered == "no IOVA range");
    }

    [Fact]
    public void Nesting_names_what_the_kernel_lacks_or_on_a_kernel_with_iommufd_that_the_devices_were_opened_without_it()
    {
        var alone = Assert.Single(LegacyPlanning.Decide(Vtd(width: 39), QemuVtdContainer, [("0000:00:01.0", 1)], DebianMissing).Failures(PlanDecision.Nested)).Requirement;
        var chosen = Assert.Single(LegacyPlanning.Decide(Vtd(width: 39), QemuVtdContainer, [("0000:00:01.0", 1)], []).Failures(PlanDecision.Nested)).Requirement;

        Assert.Equal($"none: the legacy VFIO type1 container only ({DebianMissing[0]})", alone.Offered);
        Assert.Equal(Id.KernelIommufd, chosen.Id);
        Assert.Contains("open them with IommuBackend.Iommufd", chosen.Offered);
    }
}
