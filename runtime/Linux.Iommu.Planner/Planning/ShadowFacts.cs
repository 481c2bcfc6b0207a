namespace Linux.Iommu.Planner;

/// <summary>What the kernel-managed IOAS offers once the devices are attached: its usable IOVA ranges
/// (IOMMU_IOAS_IOVA_RANGES), the IOVA alignment the attached IOMMUs need, and the host's page size.</summary>
public sealed record ShadowFacts(IReadOnlyList<IovaRange> IovaRanges, ulong IovaAlignment, ulong HostPageSize);
