using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Planning on a kernel without iommufd (before 6.2): the legacy type1 container is the only way to the IOMMU,
/// so no IOMMU_GET_HW_INFO and no nesting; the guest is shadowed into the container (the shadow engine maps through
/// <see cref="IDmaMapper"/>) when its IOVA ranges and page sizes fit what VFIO_IOMMU_GET_INFO reports, else refused.</summary>
internal static class LegacyPlanning
{
    /// <summary>The report for <paramref name="devices"/> (name, IOMMU group) in a container that answered
    /// <paramref name="container"/>. The nesting requirement says why there is no iommufd: <paramref name="iommufdMissing"/>
    /// (the kernel's findings, <see cref="IommufdSupport.Missing"/>), or, when that is empty, that the kernel serves
    /// iommufd and the container was chosen. <paramref name="hostPageSize"/>: this host's, unless planning a recording.</summary>
    public static PlanReport Decide(GuestViommuSpec spec, Type1Info container, IReadOnlyList<(string Name, int Group)> devices, IReadOnlyList<string> iommufdMissing,
        ulong? hostPageSize = null)
        => Decide(spec, Facts(container, hostPageSize ?? (ulong)DmaBuffer.SystemPageSize), devices, iommufdMissing, PlanRules.Direct);

    /// <summary>What the shadow engine gets in a container that answered <paramref name="container"/>.</summary>
    public static ShadowFacts Facts(Type1Info container, ulong hostPageSize) => new(container.IovaRanges ?? [], container.SmallestPageSize, hostPageSize);

    /// <summary>The report from the container's facts, with the shadow requirements <paramref name="rules"/> gives.</summary>
    public static PlanReport Decide(GuestViommuSpec spec, ShadowFacts facts, IReadOnlyList<(string Name, int Group)> devices, IReadOnlyList<string> iommufdMissing, PlanRules rules)
    {
        var shadow = rules.Shadow(spec, facts);
        var nested = new[]
        {
            Requirement.Check(Id.KernelIommufd, "iommufd (nested page tables are iommufd objects)", false,
                $"{IommufdSupport.DevIommu}: Linux >= 6.2 with CONFIG_IOMMUFD", iommufdMissing.Count == 0
                ? "not used: the devices were opened in the type1 container (open them with IommuBackend.Iommufd to nest)"
                : $"none: the legacy VFIO type1 container only ({string.Join("; ", iommufdMissing)})"),
        };
        var assessments = devices.Select(d => new DeviceAssessment(d.Name, null, nested, shadow)).ToList();
        var topology = ViommuPlanner.Topology(spec, devices.Select(d => (d.Name, (int?)d.Group)));
        return new PlanReport(spec, assessments, [], topology) { ShadowTarget = "the legacy VFIO type1 container" };
    }
}
