using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>Intel VT-d as the guest sees it (spec <c>intel-vtd</c>, block <c>vtd</c>): the guest writes second-stage
/// tables for DMA remapping, which the shadow engine walks; nesting runs its first-stage tables on the host.</summary>
/// <param name="FirstStage1GiBPages">The guest's first-stage tables may use 1 GiB pages (CAP.FS1GP).</param>
/// <param name="ScalableMode">Scalable mode (ECAP.SMTS), which first-stage and nested translation need.</param>
public sealed partial record IntelVtdModel(bool FirstStage1GiBPages = false, bool ScalableMode = true) : ViommuModel
{
    /// <inheritdoc/>
    public override string Name => "intel-vtd";

    /// <inheritdoc/>
    public override string? FieldsName => "vtd";

    /// <inheritdoc/>
    public override HwInfoType HostType => HwInfoType.IntelVtd;

    /// <summary>The <c>vtd</c> block: <c>firstStage1GiBPages</c> (false), <c>scalableMode</c> (true); all defaults without it.</summary>
    public override ViommuModel ReadFields(JsonElement? fields)
    {
        if (fields is not { } block) return this;
        var e = Fields(block).Object();
        e.OnlyKnown(["firstStage1GiBPages", "scalableMode"]);
        return new IntelVtdModel(e.Optional("firstStage1GiBPages", v => v.Bool(), false), e.Optional("scalableMode", v => v.Bool(), true));
    }

    /// <summary>The host's first-stage width (48 bits, 57 with FS5LP, at most MGAW), pages and PASIDs.</summary>
    public override GuestViommuSpec PassThrough(HwInfo host)
    {
        var vtd = Decoded(host.Vtd, host);
        return new GuestViommuSpec(new IntelVtdModel(vtd.FirstStage1GiBPages, vtd.ScalableMode), FirstStageWidth(vtd),
            Pages(true, vtd.SecondStage2MiBPages, vtd.FirstStage1GiBPages), [], vtd.PasidBits, vtd.PageRequests, DirtyTracking(host));
    }

    /// <summary>The second-stage format (<see cref="GuestPageTableFormat.VtdSecondStage"/>).</summary>
    public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
    {
        tables = GuestPageTableFormat.VtdSecondStage.Name;
        return GuestPageTableFormat.VtdSecondStage;
    }

    /// <summary>First-stage tables are 4-level (48-bit) or, with FS5LP, 5-level (57-bit), within MGAW.</summary>
    private static int FirstStageWidth(VtdCapabilities host) => Math.Min(host.FirstStage5LevelPaging ? 57 : 48, host.MaxGuestAddressWidth);
}
