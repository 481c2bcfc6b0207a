using static Linux.Iommu.Planner.Requirement;
using static Linux.Iommu.Readable;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Can software emulation back the guest's vIOMMU: does the kernel-managed IOAS reach as high as the guest's
/// address width and map every guest IOVA range, with a page size no larger than the guest's smallest, and does the
/// guest's model allow shadowing (the shadow engine reads its page tables: <see cref="ViommuModel.ShadowRequirements"/>)?
/// The seed's step 2.</summary>
internal static class ShadowRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, ShadowFacts ioas)
    {
        var result = new List<Requirement>();
        var offered = string.Join(", ", ioas.IovaRanges);
        result.Add(AddressWidth(spec, ioas));
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

    /// <summary>The guest may use any IOVA its width allows, so the IOAS's highest usable IOVA must be at least
    /// 2^width − 1 (QEMU compares the guest's aw-bits with the bit length of the host's highest IOVA). Holes below the top
    /// (the MSI window) are not checked here, nor by QEMU: the guest learns of them as reserved regions, and the ranges
    /// the spec lists are checked one by one.</summary>
    private static Requirement AddressWidth(GuestViommuSpec spec, ShadowFacts ioas)
    {
        var top = GuestViommuSpec.HighestIova(spec.InputAddressWidth);
        var highest = ioas.IovaRanges.Count == 0 ? (ulong?)null : ioas.IovaRanges.Max(r => r.Last);
        return Check(Id.ShadowAddressWidth, "IOVA space as wide as the guest's", highest >= top,
            $"IOVAs up to 0x{top:x} ({spec.InputAddressWidth}-bit input address width)", highest is { } h ? $"IOVAs up to 0x{h:x}" : "no IOVA range");
    }
}
