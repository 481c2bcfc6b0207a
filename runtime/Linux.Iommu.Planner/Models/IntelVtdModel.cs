using System.Text.Json;
using static Linux.Iommu.Planner.Requirement;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Intel VT-d as the guest sees it (spec <c>intel-vtd</c>, block <c>vtd</c>). The guest writes the tables of one
/// stage for DMA remapping: second-stage tables (QEMU's default), which the shadow engine walks, or first-stage tables
/// (QEMU's <c>x-flts=on</c>), which nesting runs on the host and the shadow engine does not walk.</summary>
/// <param name="FirstStage1GiBPages">The guest's first-stage tables may use 1 GiB pages (CAP.FS1GP).</param>
/// <param name="ScalableMode">Scalable mode (ECAP.SMTS), which first-stage and nested translation need.</param>
/// <param name="FirstStage">The guest writes first-stage tables (ECAP.FSTS offered, second stage not), as nesting needs;
/// otherwise second-stage tables, as shadowing needs.</param>
/// <param name="CachingMode">CAP.CM: the guest invalidates when it makes an entry present, not only when it removes one,
/// which shadowing needs to see new mappings (QEMU's <c>caching-mode</c>).</param>
public sealed partial record IntelVtdModel(bool FirstStage1GiBPages = false, bool ScalableMode = true, bool FirstStage = false, bool CachingMode = false)
    : ViommuModel
{
    /// <inheritdoc/>
    public override string Name => "intel-vtd";

    /// <inheritdoc/>
    public override string? FieldsName => "vtd";

    /// <inheritdoc/>
    public override HwInfoType HostType => HwInfoType.IntelVtd;

    /// <summary>The <c>vtd</c> block: <c>firstStage1GiBPages</c> (false), <c>scalableMode</c> (true), <c>firstStage</c>
    /// (false), <c>cachingMode</c> (false); all defaults without it.</summary>
    public override ViommuModel ReadFields(JsonElement? fields)
    {
        if (fields is not { } block) return this;
        var e = Fields(block).Object();
        e.OnlyKnown(["firstStage1GiBPages", "scalableMode", "firstStage", "cachingMode"]);
        return new IntelVtdModel(e.Optional("firstStage1GiBPages", v => v.Bool(), false), e.Optional("scalableMode", v => v.Bool(), true),
            e.Optional("firstStage", v => v.Bool(), false), e.Optional("cachingMode", v => v.Bool(), false));
    }

    /// <summary>First-stage tables need scalable mode and are 4- or 5-level (48 or 57 bits); second-stage tables are 3-,
    /// 4- or 5-level (39, 48 or 57 bits: CAP.SAGAW).</summary>
    public override void Validate(GuestViommuSpec spec)
    {
        if (FirstStage && !ScalableMode) throw new SpecException("vtd.firstStage", "first-stage tables need scalable mode (vtd.scalableMode)");
        var (tables, widths) = FirstStage ? ("first-stage tables (4- or 5-level)", new[] { 48, 57 }) : ("second-stage tables (3-, 4- or 5-level)", new[] { 39, 48, 57 });
        if (!widths.Contains(spec.InputAddressWidth))
            throw new SpecException("inputAddressWidth", $"{spec.InputAddressWidth} bits is no width of VT-d {tables}: {string.Join(", ", widths)}");
    }

    /// <summary>The host's first-stage width (48 bits, 57 with FS5LP, at most MGAW), pages and PASIDs; the guest writes
    /// first-stage tables where the host has them (FSTS in scalable mode), so that it can nest, and sees the host's CAP.CM.</summary>
    public override GuestViommuSpec PassThrough(HwInfo host)
    {
        var vtd = Decoded(host.Vtd, host);
        var guest = new IntelVtdModel(vtd.FirstStage1GiBPages, vtd.ScalableMode, vtd.ScalableMode && vtd.FirstStageTranslation, vtd.CachingMode);
        return new GuestViommuSpec(guest, FirstStageWidth(vtd), Pages(true, vtd.SecondStage2MiBPages, vtd.FirstStage1GiBPages), [],
            vtd.PasidBits, vtd.PageRequests, DirtyTracking(host));
    }

    /// <summary>The second-stage format (<see cref="GuestPageTableFormat.VtdSecondStage"/>); none for first-stage tables,
    /// which the shadow engine has no walker for.</summary>
    public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
    {
        tables = FirstStage ? "VT-d first-stage tables" : GuestPageTableFormat.VtdSecondStage.Name;
        return FirstStage ? null : GuestPageTableFormat.VtdSecondStage;
    }

    /// <summary>The walker, and caching mode: without CAP.CM a guest makes entries present without invalidating, so the
    /// shadow would never learn of them (QEMU refuses device assignment behind such a vIOMMU).</summary>
    public override IEnumerable<Requirement> ShadowRequirements(GuestViommuSpec spec) =>
    [
        .. base.ShadowRequirements(spec),
        Check(Id.VtdCachingMode, "caching mode (CAP.CM)", CachingMode, "a guest that invalidates new entries (vtd.cachingMode)",
            CachingMode ? "vtd.cachingMode: true" : "vtd.cachingMode: false"),
    ];

    /// <summary>First-stage tables are 4-level (48-bit) or, with FS5LP, 5-level (57-bit), within MGAW.</summary>
    private static int FirstStageWidth(VtdCapabilities host) => Math.Min(host.FirstStage5LevelPaging ? 57 : 48, host.MaxGuestAddressWidth);
}
