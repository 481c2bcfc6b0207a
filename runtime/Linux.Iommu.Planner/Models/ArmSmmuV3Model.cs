using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>ARM SMMUv3 as the guest sees it (spec <c>arm-smmuv3</c>, block <c>smmuv3</c> required): its register fields.
/// The guest writes stage-1 context descriptors and VMSAv8-64 tables, which nesting runs on the host and the shadow
/// engine walks.</summary>
/// <param name="TwoLevelStreamTable">IDR0.ST_LEVEL = 2-level.</param>
/// <param name="Aarch64Tables">IDR0.TTF includes AArch64 tables (AArch32 otherwise).</param>
/// <param name="StreamIdBits">IDR1.SIDSIZE.</param>
/// <param name="RangeInvalidation">IDR3.RIL.</param>
/// <param name="OutputAddressBits">IDR5.OAS, in bits.</param>
/// <param name="Granule4K">IDR5.GRAN4K.</param>
/// <param name="Granule16K">IDR5.GRAN16K.</param>
/// <param name="Granule64K">IDR5.GRAN64K.</param>
public sealed partial record ArmSmmuV3Model(
    bool TwoLevelStreamTable = false,
    bool Aarch64Tables = true,
    int StreamIdBits = 16,
    bool RangeInvalidation = false,
    int OutputAddressBits = 44,
    bool Granule4K = true,
    bool Granule16K = false,
    bool Granule64K = false) : ViommuModel
{
    /// <inheritdoc/>
    public override string Name => "arm-smmuv3";

    /// <inheritdoc/>
    public override string? FieldsName => "smmuv3";

    /// <inheritdoc/>
    public override HwInfoType HostType => HwInfoType.ArmSmmuV3;

    /// <summary>The <c>smmuv3</c> block, which an arm-smmuv3 spec must have (its registers are what the guest sees):
    /// <c>twoLevelStreamTable</c> (false), <c>aarch64Tables</c> (true), <c>streamIdBits</c> (16), <c>rangeInvalidation</c>
    /// (false), <c>outputAddressBits</c> (44), <c>granule4K</c> (true), <c>granule16K</c>, <c>granule64K</c> (false).</summary>
    public override ViommuModel ReadFields(JsonElement? fields)
    {
        if (fields is not { } block) throw new SpecException(FieldsName!, $"required for an {Name} model");
        var e = Fields(block).Object();
        e.OnlyKnown(["twoLevelStreamTable", "aarch64Tables", "streamIdBits", "rangeInvalidation", "outputAddressBits", "granule4K", "granule16K", "granule64K"]);
        return new ArmSmmuV3Model(
            e.Optional("twoLevelStreamTable", v => v.Bool(), false),
            e.Optional("aarch64Tables", v => v.Bool(), true),
            e.Optional("streamIdBits", v => v.Int(), 16),
            e.Optional("rangeInvalidation", v => v.Bool(), false),
            e.Optional("outputAddressBits", v => v.Int(), 44),
            e.Optional("granule4K", v => v.Bool(), true),
            e.Optional("granule16K", v => v.Bool(), false),
            e.Optional("granule64K", v => v.Bool(), false));
    }

    /// <summary>IDR5.OAS is one of the architecture's sizes; IDR1.SIDSIZE is at most 32 bits.</summary>
    public override void Validate(GuestViommuSpec spec)
    {
        if (OutputAddressBits is not (32 or 36 or 40 or 42 or 44 or 48 or 52))
            throw new SpecException("smmuv3.outputAddressBits", $"{OutputAddressBits} is not an SMMUv3 OAS (32, 36, 40, 42, 44, 48, 52)");
        if (StreamIdBits is < 0 or > 32) throw new SpecException("smmuv3.streamIdBits", $"{StreamIdBits} is outside 0..32");
    }

    /// <summary>The host's registers as they are: the guest sees exactly this SMMU.</summary>
    public override GuestViommuSpec PassThrough(HwInfo host)
    {
        var smmu = Decoded(host.SmmuV3, host);
        var guest = new ArmSmmuV3Model(smmu.TwoLevelStreamTable, smmu.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64),
            smmu.StreamIdBits, smmu.RangeInvalidation, smmu.OutputAddressBits ?? 44, smmu.Granule4K, smmu.Granule16K, smmu.Granule64K);
        return new GuestViommuSpec(guest, smmu.VirtualAddressBits ?? 48, Pages(smmu.Granule4K, smmu.Granule4K, false), [],
            smmu.SubstreamIdBits, smmu.Pri, DirtyTracking(host));
    }

    /// <summary>The stage-1 VMSAv8-64 format of the guest's granule (CD.TG0), which it picks among those offered: the
    /// spec's smallest page is taken as that granule. AArch32 (LPAE) tables are not walked.</summary>
    public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
    {
        var format = !Aarch64Tables || spec.SmallestPageSize is not (4096 or 16384 or 65536) ? null : GuestPageTableFormat.SmmuV3Stage1(spec.SmallestPageSize);
        tables = format?.Name ?? (Aarch64Tables
            ? $"SMMUv3 tables with {spec.SmallestPageSize}-byte pages, which is no VMSAv8-64 granule"
            : "SMMUv3 AArch32 (LPAE) stage-1 tables");
        return format;
    }
}
