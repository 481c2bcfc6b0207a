using static Linux.Iommu.Planner.Requirement;
using static Linux.Iommu.Readable;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Can software emulation back the guest's vIOMMU: does the kernel-managed IOAS map every guest IOVA range,
/// with a page size no larger than the guest's smallest, and does the guest's model allow shadowing (the shadow engine
/// reads its page tables: <see cref="ViommuModel.ShadowRequirements"/>)? The seed's step 2.</summary>
internal static class ShadowRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, ShadowFacts ioas)
    {
        var result = new List<Requirement>();
        var offered = string.Join(", ", ioas.IovaRanges);
        foreach (var range in spec.IovaRanges)
        {
            var covered = ioas.IovaRanges.Any(r => r.Contains(range.Start, range.Last - range.Start + 1));
            result.Add(Check(Id.ShadowIovaRange, "guest IOVA range mappable in the IOAS", covered, range.ToString(), offered.Length > 0 ? offered : "no IOVA range"));
        }
        result.AddRange(spec.Model.ShadowRequirements(spec));
        var hostPage = Math.Max(ioas.IovaAlignment, ioas.HostPageSize);
        result.Add(Check(Id.ShadowPageSize, "page size", hostPage <= spec.SmallestPageSize, $"≤ {Bytes(spec.SmallestPageSize)} (the guest's smallest page)",
            $"{Bytes(hostPage)} (IOVA alignment {Bytes(ioas.IovaAlignment)}, host page {Bytes(ioas.HostPageSize)})"));
        return result;
    }
}
