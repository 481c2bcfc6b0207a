using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Planning on a kernel without iommufd (before 6.2): the legacy type1 container is the only way to the IOMMU,
/// so no IOMMU_GET_HW_INFO and no nesting; the guest is shadowed into the container (the shadow engine maps through
/// <see cref="IDmaMapper"/>) when its IOVA ranges and page sizes fit what VFIO_IOMMU_GET_INFO reports, else refused.</summary>
internal static class LegacyPlanning
{
    public static PlanReport Decide(GuestViommuSpec spec, Type1Info container, IReadOnlyList<(string Name, int Group)> devices)
    {
        var facts = new ShadowFacts(container.IovaRanges ?? [], container.SmallestPageSize, (ulong)DmaBuffer.SystemPageSize);
        var shadow = ShadowRequirements.For(spec, facts);
        var nested = new[]
        {
            Requirement.Check(Id.KernelIommufd, "iommufd (nested page tables are iommufd objects)", false,
                $"{IommufdSupport.DevIommu}: Linux >= 6.2 with CONFIG_IOMMUFD", "none: the legacy VFIO type1 container only"),
        };
        var assessments = devices.Select(d => new DeviceAssessment(d.Name, null, nested, shadow)).ToList();
        var topology = ViommuPlanner.Topology(spec, devices.Select(d => (d.Name, (int?)d.Group)));
        return new PlanReport(spec, assessments, [], topology) { ShadowTarget = "the legacy VFIO type1 container" };
    }
}
