using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>Can the host IOMMU behind a device run the guest's page tables itself (nested translation)? The checks
/// a production VMM makes before it offers nesting (cf. QEMU's hw/i386/intel_iommu.c vtd_check_hiod and
/// hw/arm/smmuv3-accel.c), per model. Pure: decided from the decoded IOMMU_GET_HW_INFO alone.</summary>
internal static class NestedRequirements
{
    /// <summary>The IOMMU_HW_INFO_TYPE_SELFTEST of drivers/iommu/iommufd/iommufd_test.h (not a uAPI header).</summary>
    public const iommu_hw_info_type SelftestType = (iommu_hw_info_type)0xfeedbeef;

    public static List<Requirement> For(GuestViommuSpec spec, HwInfo host)
    {
        var expected = spec.Model switch
        {
            GuestIommuModel.IntelVtd => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD,
            GuestIommuModel.ArmSmmuV3 => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
            GuestIommuModel.AmdVi => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_AMD,
            _ => SelftestType,
        };
        var result = new List<Requirement> { Requirement.Check("host IOMMU model", host.Type == expected, TypeName(expected), TypeName(host.Type)) };
        if (host.Type != expected) return result; // nothing else is comparable

        if (spec.DirtyTracking)
        {
            var dirty = host.Capabilities.HasFlag(iommufd_hw_capabilities.IOMMU_HW_CAP_DIRTY_TRACKING);
            result.Add(Requirement.Check("dirty tracking", dirty, "IOMMU_HW_CAP_DIRTY_TRACKING", dirty ? "it" : "none"));
        }
        if (spec.PasidBits > 0)
        {
            result.Add(Requirement.Check("PASID width", host.MaxPasidLog2 >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.MaxPasidLog2} bits"));
        }
        switch (host)
        {
            case { Vtd: { } vtd }: Vtd(spec, vtd, result); break;
            case { SmmuV3: { } smmu }: SmmuV3(spec, spec.SmmuV3!, smmu, result); break;
            case { Amd: { } amd }: Amd(spec, amd, result); break;
        }
        return result;
    }

    internal static string TypeName(iommu_hw_info_type type) =>
        type == SelftestType ? "selftest mock (0xfeedbeef)" : Enum.IsDefined(type) ? type.ToString() : $"type 0x{(uint)type:x}";

    private static void Vtd(GuestViommuSpec spec, VtdCapabilities host, List<Requirement> result)
    {
        result.Add(Requirement.Check("nesting (ECAP.NEST)", host.Nesting, "yes", Requirement.YesNo(host.Nesting)));
        result.Add(Requirement.Check("first-stage translation (ECAP.FSTS)", host.FirstStageTranslation, "yes", Requirement.YesNo(host.FirstStageTranslation)));
        if (spec.Vtd?.ScalableMode != false)
        {
            result.Add(Requirement.Check("scalable mode (ECAP.SMTS)", host.ScalableMode, "yes", Requirement.YesNo(host.ScalableMode)));
        }
        // first-stage tables are 4-level (48-bit) or, with FS5LP, 5-level (57-bit)
        var hostWidth = Math.Min(host.FirstStage5LevelPaging ? 57 : 48, host.MaxGuestAddressWidth);
        result.Add(Requirement.Check("address width", spec.InputAddressWidth <= hostWidth, $"{spec.InputAddressWidth} bits", $"{hostWidth} bits (MGAW {host.MaxGuestAddressWidth}, FS5LP {Requirement.YesNo(host.FirstStage5LevelPaging)})"));
        if (spec.Vtd?.FirstStage1GiBPages == true || spec.PageSizes.Contains(1UL << 30))
        {
            result.Add(Requirement.Check("first-stage 1 GiB pages (CAP.FS1GP)", host.FirstStage1GiBPages, "yes", Requirement.YesNo(host.FirstStage1GiBPages)));
        }
        if (spec.Pri)
        {
            result.Add(Requirement.Check("page requests (ECAP.PRS)", host.PageRequests, "yes", Requirement.YesNo(host.PageRequests)));
        }
        if (host.Errata772415Spr17)
        {
            result.Add(Requirement.Check("erratum 772415 (SPR17)", true, "known errata handled", "present",
                "read-only mappings must not be used in the nest parent: map guest RAM writable"));
        }
    }

    private static void SmmuV3(GuestViommuSpec spec, SmmuV3GuestSpec guest, SmmuV3Capabilities host, List<Requirement> result)
    {
        result.Add(Requirement.Check("stage 1 and stage 2 (IDR0.S1P, S2P)", host.Stage1 && host.Stage2, "both", $"S1P {Requirement.YesNo(host.Stage1)}, S2P {Requirement.YesNo(host.Stage2)}"));
        result.Add(Requirement.Check("stream table levels (IDR0.ST_LEVEL)", host.TwoLevelStreamTable == guest.TwoLevelStreamTable,
            guest.TwoLevelStreamTable ? "2-level" : "linear", host.TwoLevelStreamTable ? "2-level" : "linear"));
        var aarch64 = host.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64);
        var aarch32 = host.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch32);
        result.Add(Requirement.Check("table format (IDR0.TTF)", guest.Aarch64Tables ? aarch64 : aarch32, guest.Aarch64Tables ? "AArch64" : "AArch32", host.TranslationTableFormats.ToString()));
        result.Add(Requirement.Check("stream id width (IDR1.SIDSIZE)", host.StreamIdBits >= guest.StreamIdBits, $"{guest.StreamIdBits} bits", $"{host.StreamIdBits} bits"));
        result.Add(Requirement.Check("substream id width (IDR1.SSIDSIZE)", host.SubstreamIdBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.SubstreamIdBits} bits"));
        if (guest.RangeInvalidation)
        {
            result.Add(Requirement.Check("range invalidation (IDR3.RIL)", host.RangeInvalidation, "yes", Requirement.YesNo(host.RangeInvalidation)));
        }
        result.Add(Requirement.Check("output address size (IDR5.OAS)", host.OutputAddressBits >= guest.OutputAddressBits, $"{guest.OutputAddressBits} bits", $"{host.OutputAddressBits?.ToString() ?? "reserved"} bits"));
        var granules = (guest.Granule4K, guest.Granule16K, guest.Granule64K);
        var offered = (host.Granule4K, host.Granule16K, host.Granule64K);
        result.Add(Requirement.Check("granules (IDR5.GRAN4K/16K/64K)", granules == offered, Granules(granules), Granules(offered)));
        if (spec.Pri)
        {
            result.Add(Requirement.Check("page requests (IDR0.PRI)", host.Pri, "yes", Requirement.YesNo(host.Pri)));
        }
        if (host.ErrataRepeatTlbiCfgi)
        {
            result.Add(Requirement.Check("erratum: repeat TLBI/CFGI", true, "known errata handled", "present", "every TLBI and CFGI command must be issued twice"));
        }
    }

    private static string Granules((bool G4, bool G16, bool G64) g) =>
        string.Join("+", new[] { g.G4 ? "4K" : null, g.G16 ? "16K" : null, g.G64 ? "64K" : null }.Where(s => s is not null)) is { Length: > 0 } text ? text : "none";

    private static void Amd(GuestViommuSpec spec, AmdCapabilities host, List<Requirement> result)
    {
        result.Add(Requirement.Check("guest translation (EFR.GTSup)", host.GuestTranslation, "yes", Requirement.YesNo(host.GuestTranslation)));
        var levels = spec.InputAddressWidth > 48 ? 5 : 4;
        result.Add(Requirement.Check("guest page table levels (EFR.GATS)", host.GuestPageTableLevels >= levels, $"{levels} levels ({spec.InputAddressWidth}-bit)", $"{host.GuestPageTableLevels?.ToString() ?? "reserved"} levels"));
        if (spec.PasidBits > 0)
        {
            result.Add(Requirement.Check("PASID width (EFR.PASmax)", host.PasidBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.PasidBits} bits"));
        }
        if (spec.Pri)
        {
            result.Add(Requirement.Check("page requests (EFR.PPRSup)", host.PeripheralPageRequests, "yes", Requirement.YesNo(host.PeripheralPageRequests)));
        }
    }
}
