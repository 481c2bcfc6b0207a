using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>The explicit "host-passthrough" mode, like <c>-cpu host</c>: the guest's vIOMMU is derived from the host IOMMU
/// behind the first device instead of being fixed by the user. The spec says so (<see cref="GuestViommuSpec.HostPassthrough"/>)
/// and every report marks the VM as not migratable: another host may offer something else.</summary>
public static class HostPassthrough
{
    /// <summary>The spec this host's IOMMU would offer a guest as is, over the IOAS's usable IOVA ranges; a host IOMMU
    /// of none of the built-in types is described by the extension whose <see cref="ViommuModelExtension.HostType"/> it is.</summary>
    public static GuestViommuSpec Derive(HwInfo host, ShadowFacts ioas, IEnumerable<ViommuModelExtension>? extensions = null)
    {
        GuestViommuSpec spec = host switch
        {
            { Vtd: { } vtd } => new GuestViommuSpec(GuestIommuModel.IntelVtd,
                Math.Min(vtd.FirstStage5LevelPaging ? 57 : 48, vtd.MaxGuestAddressWidth),
                Pages(true, vtd.SecondStage2MiBPages, vtd.FirstStage1GiBPages),
                [], vtd.PasidBits, vtd.PageRequests, Dirty(host),
                Vtd: new VtdGuestSpec(vtd.FirstStage1GiBPages, vtd.ScalableMode)),
            { SmmuV3: { } smmu } => new GuestViommuSpec(GuestIommuModel.ArmSmmuV3, smmu.VirtualAddressBits ?? 48,
                Pages(smmu.Granule4K, smmu.Granule4K, false), [], smmu.SubstreamIdBits, smmu.Pri, Dirty(host),
                SmmuV3: new SmmuV3GuestSpec(smmu.TwoLevelStreamTable, smmu.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64),
                    smmu.StreamIdBits, smmu.RangeInvalidation, smmu.OutputAddressBits ?? 44, smmu.Granule4K, smmu.Granule16K, smmu.Granule64K)),
            { Amd: { } amd } => new GuestViommuSpec(GuestIommuModel.AmdVi, amd.GuestPageTableLevels == 5 ? 57 : 48,
                Pages(true, true, true), [], amd.PasidBits, amd.PeripheralPageRequests, Dirty(host)),
            _ => extensions?.FirstOrDefault(e => e.HostType == host.Type)?.PassThrough(host)
                 ?? throw new InvalidOperationException($"host-passthrough cannot describe an IOMMU of type {(Enum.IsDefined(host.Type) ? host.Type : $"0x{(uint)host.Type:x}")}"),
        };
        var limit = spec.InputAddressWidth >= 64 ? ulong.MaxValue : (1UL << spec.InputAddressWidth) - 1;
        var ranges = ioas.IovaRanges.Where(r => r.Start <= limit).Select(r => r with { Last = Math.Min(r.Last, limit) }).ToList();
        return spec with { IovaRanges = ranges, HostPassthrough = true };
    }

    private static bool Dirty(HwInfo host) => host.Capabilities.HasFlag(iommufd_hw_capabilities.IOMMU_HW_CAP_DIRTY_TRACKING);

    private static List<ulong> Pages(bool small, bool twoMiB, bool oneGiB) =>
        new[] { small ? 4096UL : 0, twoMiB ? 2UL << 20 : 0, oneGiB ? 1UL << 30 : 0 }.Where(p => p != 0).DefaultIfEmpty(4096UL).ToList();
}
