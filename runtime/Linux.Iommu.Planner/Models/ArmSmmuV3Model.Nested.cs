using Linux.Iommu.Planner.Native;
using static Linux.Iommu.Planner.Requirement;
using static Linux.Iommu.Readable;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>SMMUv3 nesting: the checks of QEMU's hw/arm/smmuv3-accel.c, the vIOMMU object the kernel must offer, and
/// the allocation.</summary>
public sealed partial record ArmSmmuV3Model
{
    /// <summary>S1P and S2P, the same stream-table levels and granules, the table format, SIDSIZE, SSIDSIZE, OAS, RIL and
    /// PRI where the guest has them; the repeat-TLBI/CFGI erratum is reported without deciding.</summary>
    public override IEnumerable<Requirement> NestedRequirements(GuestViommuSpec spec, HwInfo host)
    {
        if (host.SmmuV3 is not { } smmu) yield break;
        yield return Check(Id.SmmuV3Stages, "stage 1 and stage 2 (IDR0.S1P, S2P)", smmu.Stage1 && smmu.Stage2, "both", $"S1P {YesNo(smmu.Stage1)}, S2P {YesNo(smmu.Stage2)}");
        yield return Check(Id.SmmuV3StreamTableLevels, "stream table levels (IDR0.ST_LEVEL)", smmu.TwoLevelStreamTable == TwoLevelStreamTable,
            Levels(TwoLevelStreamTable), Levels(smmu.TwoLevelStreamTable));
        var aarch64 = smmu.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64);
        var aarch32 = smmu.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch32);
        yield return Check(Id.SmmuV3TableFormat, "table format (IDR0.TTF)", Aarch64Tables ? aarch64 : aarch32, Aarch64Tables ? "AArch64" : "AArch32", smmu.TranslationTableFormats.ToString());
        yield return Check(Id.SmmuV3StreamIdBits, "stream id width (IDR1.SIDSIZE)", smmu.StreamIdBits >= StreamIdBits, $"{StreamIdBits} bits", $"{smmu.StreamIdBits} bits");
        yield return Check(Id.SmmuV3SubstreamIdBits, "substream id width (IDR1.SSIDSIZE)", smmu.SubstreamIdBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{smmu.SubstreamIdBits} bits");
        if (RangeInvalidation) yield return Bit(Id.SmmuV3RangeInvalidation, "range invalidation (IDR3.RIL)", smmu.RangeInvalidation);
        yield return Check(Id.SmmuV3OutputAddressSize, "output address size (IDR5.OAS)", smmu.OutputAddressBits >= OutputAddressBits,
            $"{OutputAddressBits} bits", $"{smmu.OutputAddressBits?.ToString() ?? "reserved"} bits");
        var granules = (Granule4K, Granule16K, Granule64K);
        var offered = (smmu.Granule4K, smmu.Granule16K, smmu.Granule64K);
        yield return Check(Id.SmmuV3Granules, "granules (IDR5.GRAN4K/16K/64K)", granules == offered, Granules(granules), Granules(offered));
        if (spec.Pri) yield return Bit(Id.SmmuV3PageRequests, "page requests (IDR0.PRI)", smmu.Pri);
        if (smmu.ErrataRepeatTlbiCfgi)
        {
            yield return Check(Id.SmmuV3ErratumRepeatTlbiCfgi, "erratum: repeat TLBI/CFGI", true, "known errata handled", "present", "every TLBI and CFGI command must be issued twice");
        }
    }

    /// <summary>The nested HWPT hangs off a vIOMMU object (IOMMU_VIOMMU_ALLOC), which 6.12 does not have.</summary>
    public override IEnumerable<(string RequirementId, string Ioctl)> NestedKernelIoctls(GuestViommuSpec spec) =>
        [(Id.KernelViommuAlloc, nameof(Requests.IOMMU_VIOMMU_ALLOC))];

    /// <summary>Nest parent, a vIOMMU on it, then a nested HWPT with an abort STE (the guest's is set later).</summary>
    public override NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec) =>
        OnNestParent(iommu, ioas, deviceId, parent =>
        {
            var viommu = Viommu.Allocate(iommu, ViommuType.ArmSmmuV3, deviceId, parent.Id);
            try
            {
                var ste = new iommu_hwpt_arm_smmuv3(); // STE.V = 0: abort until the guest installs its own
                return new NestedSetup(parent, viommu,
                    HwPagetable.Allocate(iommu, deviceId, viommu.Id, 0, HwptDataType.ArmSmmuV3, Bytes(ref ste)));
            }
            catch
            {
                viommu.Dispose();
                throw;
            }
        });

    private static string Levels(bool twoLevel) => twoLevel ? "2-level" : "linear";

    private static string Granules((bool G4, bool G16, bool G64) g) =>
        string.Join("+", new[] { g.G4 ? "4K" : null, g.G16 ? "16K" : null, g.G64 ? "64K" : null }.Where(s => s is not null)) is { Length: > 0 } text ? text : "none";
}
