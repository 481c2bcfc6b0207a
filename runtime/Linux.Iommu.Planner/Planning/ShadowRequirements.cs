namespace Linux.Iommu.Planner;

/// <summary>What the kernel-managed IOAS offers once the devices are attached: its usable IOVA ranges
/// (IOMMU_IOAS_IOVA_RANGES) and the IOVA alignment the attached IOMMUs need.</summary>
public sealed record ShadowFacts(IReadOnlyList<IovaRange> IovaRanges, ulong IovaAlignment, ulong HostPageSize);

/// <summary>Can software emulation back the guest's vIOMMU: does the kernel-managed IOAS map every guest IOVA range,
/// with a page size no larger than the guest's smallest, and can the shadow engine read the guest's page tables (the
/// seed's step 2)?</summary>
internal static class ShadowRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, ShadowFacts ioas)
    {
        var result = new List<Requirement>();
        var offered = string.Join(", ", ioas.IovaRanges);
        foreach (var range in spec.IovaRanges)
        {
            var covered = ioas.IovaRanges.Any(r => r.Contains(range.Start, range.Last - range.Start + 1));
            result.Add(Requirement.Check($"guest IOVA range {range}", covered, "mappable in the IOAS", offered.Length > 0 ? offered : "no IOVA range"));
        }
        result.Add(GuestTables(spec));
        var hostPage = Math.Max(ioas.IovaAlignment, ioas.HostPageSize);
        result.Add(Requirement.Check("page size", hostPage <= spec.SmallestPageSize, $"≤ {Size(spec.SmallestPageSize)} (the guest's smallest page)",
            $"{Size(hostPage)} (IOVA alignment {Size(ioas.IovaAlignment)}, host page {Size(ioas.HostPageSize)})"));
        return result;
    }

    /// <summary>The shadow engine must be able to read the guest's page tables. The selftest mock has none: its "guest"
    /// is the test, which maps the IOAS itself.</summary>
    private static Requirement GuestTables(GuestViommuSpec spec)
    {
        const string Name = "guest page-table format", Required = "a shadow engine that walks the guest's tables";
        if (spec.Model == GuestIommuModel.SelftestMock) return Requirement.Check(Name, true, Required, "no tables to walk (selftest mock: the test maps the IOAS itself)");
        var format = GuestPageTableFormat.For(spec, out var tables);
        return Requirement.Check(Name, format is not null, Required, $"{(format is null ? "no walker" : "a walker")} for {tables}");
    }

    internal static string Size(ulong bytes) =>
        bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1UL << 10 && bytes % (1UL << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} B";
}
