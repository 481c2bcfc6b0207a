using Linux.Iommu.Native;
using static Linux.Iommu.Planner.Requirement;
using static Linux.Iommu.Readable;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Can the host IOMMU behind a device run the guest's page tables itself (nested translation)? The checks
/// a production VMM makes before it offers nesting (cf. QEMU's hw/i386/intel_iommu.c vtd_check_hiod and
/// hw/arm/smmuv3-accel.c), per model. Pure: decided from the decoded IOMMU_GET_HW_INFO alone.</summary>
internal static class NestedRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, HwInfo host)
    {
        var expected = HostTypeOf(spec);
        var result = new List<Requirement> { Check(Id.HostModel, "host IOMMU model", host.Type == expected, TypeName(expected, spec), TypeName(host.Type, spec)) };
        if (host.Type != expected) return result; // nothing else is comparable

        if (spec.DirtyTracking)
        {
            var dirty = host.Capabilities.HasFlag(iommufd_hw_capabilities.IOMMU_HW_CAP_DIRTY_TRACKING);
            result.Add(Check(Id.HostDirtyTracking, "dirty tracking", dirty, "IOMMU_HW_CAP_DIRTY_TRACKING", dirty ? "it" : "none"));
        }
        if (spec.PasidBits > 0)
        {
            result.Add(Check(Id.HostPasidWidth, "PASID width", host.MaxPasidLog2 >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.MaxPasidLog2} bits"));
        }
        switch (host)
        {
            case { Vtd: { } vtd }: Vtd(spec, vtd, result); break;
            case { SmmuV3: { } smmu }: SmmuV3(spec, spec.SmmuV3!, smmu, result); break;
            case { Amd: { } amd }: Amd(spec, amd, result); break;
        }
        if (spec.Extension is { } extension) result.AddRange(extension.NestedRequirements(spec, host));
        return result;
    }

    /// <summary>The IOMMU_GET_HW_INFO type of a host IOMMU that can nest the guest's model.</summary>
    private static iommu_hw_info_type HostTypeOf(GuestViommuSpec spec) => spec.Model switch
    {
        GuestIommuModel.IntelVtd => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD,
        GuestIommuModel.ArmSmmuV3 => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
        GuestIommuModel.AmdVi => iommu_hw_info_type.IOMMU_HW_INFO_TYPE_AMD,
        _ => ExtensionOf(spec).HostType,
    };

    internal static ViommuModelExtension ExtensionOf(GuestViommuSpec spec) =>
        spec.Extension ?? throw new ArgumentException($"a {spec.Model} spec without its {nameof(GuestViommuSpec.Extension)}", nameof(spec));

    /// <summary>How reports name a host IOMMU type: the enum name, the spec's extension's name for its type, else the number.</summary>
    internal static string TypeName(iommu_hw_info_type type, GuestViommuSpec spec) =>
        spec.Extension is { } extension && extension.HostType == type ? extension.HostTypeName
        : Enum.IsDefined(type) ? type.ToString() : $"type 0x{(uint)type:x}";

    private static void Vtd(GuestViommuSpec spec, VtdCapabilities host, List<Requirement> result)
    {
        result.Add(Bit(Id.VtdNest, "nesting (ECAP.NEST)", host.Nesting));
        result.Add(Bit(Id.VtdFirstStage, "first-stage translation (ECAP.FSTS)", host.FirstStageTranslation));
        if (spec.Vtd?.ScalableMode != false) result.Add(Bit(Id.VtdScalableMode, "scalable mode (ECAP.SMTS)", host.ScalableMode));
        // first-stage tables are 4-level (48-bit) or, with FS5LP, 5-level (57-bit)
        var hostWidth = Math.Min(host.FirstStage5LevelPaging ? 57 : 48, host.MaxGuestAddressWidth);
        result.Add(Check(Id.VtdAddressWidth, "address width", spec.InputAddressWidth <= hostWidth, $"{spec.InputAddressWidth} bits",
            $"{hostWidth} bits (MGAW {host.MaxGuestAddressWidth}, FS5LP {YesNo(host.FirstStage5LevelPaging)})"));
        if (spec.Vtd?.FirstStage1GiBPages == true || spec.PageSizes.Contains(1UL << 30))
        {
            result.Add(Bit(Id.VtdFirstStage1GiBPages, "first-stage 1 GiB pages (CAP.FS1GP)", host.FirstStage1GiBPages));
        }
        if (spec.Pri) result.Add(Bit(Id.VtdPageRequests, "page requests (ECAP.PRS)", host.PageRequests));
        if (host.Errata772415Spr17)
        {
            result.Add(Check(Id.VtdErratum772415, "erratum 772415 (SPR17)", true, "known errata handled", "present",
                "read-only mappings must not be used in the nest parent: map guest RAM writable"));
        }
    }

    private static void SmmuV3(GuestViommuSpec spec, SmmuV3GuestSpec guest, SmmuV3Capabilities host, List<Requirement> result)
    {
        result.Add(Check(Id.SmmuV3Stages, "stage 1 and stage 2 (IDR0.S1P, S2P)", host.Stage1 && host.Stage2, "both", $"S1P {YesNo(host.Stage1)}, S2P {YesNo(host.Stage2)}"));
        result.Add(Check(Id.SmmuV3StreamTableLevels, "stream table levels (IDR0.ST_LEVEL)", host.TwoLevelStreamTable == guest.TwoLevelStreamTable,
            guest.TwoLevelStreamTable ? "2-level" : "linear", host.TwoLevelStreamTable ? "2-level" : "linear"));
        var aarch64 = host.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64);
        var aarch32 = host.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch32);
        result.Add(Check(Id.SmmuV3TableFormat, "table format (IDR0.TTF)", guest.Aarch64Tables ? aarch64 : aarch32, guest.Aarch64Tables ? "AArch64" : "AArch32", host.TranslationTableFormats.ToString()));
        result.Add(Check(Id.SmmuV3StreamIdBits, "stream id width (IDR1.SIDSIZE)", host.StreamIdBits >= guest.StreamIdBits, $"{guest.StreamIdBits} bits", $"{host.StreamIdBits} bits"));
        result.Add(Check(Id.SmmuV3SubstreamIdBits, "substream id width (IDR1.SSIDSIZE)", host.SubstreamIdBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.SubstreamIdBits} bits"));
        if (guest.RangeInvalidation) result.Add(Bit(Id.SmmuV3RangeInvalidation, "range invalidation (IDR3.RIL)", host.RangeInvalidation));
        result.Add(Check(Id.SmmuV3OutputAddressSize, "output address size (IDR5.OAS)", host.OutputAddressBits >= guest.OutputAddressBits,
            $"{guest.OutputAddressBits} bits", $"{host.OutputAddressBits?.ToString() ?? "reserved"} bits"));
        var granules = (guest.Granule4K, guest.Granule16K, guest.Granule64K);
        var offered = (host.Granule4K, host.Granule16K, host.Granule64K);
        result.Add(Check(Id.SmmuV3Granules, "granules (IDR5.GRAN4K/16K/64K)", granules == offered, Granules(granules), Granules(offered)));
        if (spec.Pri) result.Add(Bit(Id.SmmuV3PageRequests, "page requests (IDR0.PRI)", host.Pri));
        if (host.ErrataRepeatTlbiCfgi)
        {
            result.Add(Check(Id.SmmuV3ErratumRepeatTlbiCfgi, "erratum: repeat TLBI/CFGI", true, "known errata handled", "present", "every TLBI and CFGI command must be issued twice"));
        }
    }

    private static string Granules((bool G4, bool G16, bool G64) g) =>
        string.Join("+", new[] { g.G4 ? "4K" : null, g.G16 ? "16K" : null, g.G64 ? "64K" : null }.Where(s => s is not null)) is { Length: > 0 } text ? text : "none";

    private static void Amd(GuestViommuSpec spec, AmdCapabilities host, List<Requirement> result)
    {
        result.Add(Bit(Id.AmdGuestTranslation, "guest translation (EFR.GTSup)", host.GuestTranslation));
        var levels = spec.InputAddressWidth > 48 ? 5 : 4;
        result.Add(Check(Id.AmdGuestLevels, "guest page table levels (EFR.GATS)", host.GuestPageTableLevels >= levels,
            $"{levels} levels ({spec.InputAddressWidth}-bit)", $"{host.GuestPageTableLevels?.ToString() ?? "reserved"} levels"));
        if (spec.PasidBits > 0)
        {
            result.Add(Check(Id.AmdPasidWidth, "PASID width (EFR.PASmax)", host.PasidBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.PasidBits} bits"));
        }
        if (spec.Pri) result.Add(Bit(Id.AmdPageRequests, "page requests (EFR.PPRSup)", host.PeripheralPageRequests));
    }
}
