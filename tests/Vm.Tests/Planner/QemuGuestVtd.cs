using Linux.Iommu.Planner;

namespace Vm.Tests.Planner;

/// <summary>One guest VT-d that QEMU can be asked for (<c>-device intel-iommu,...</c>) and the spec that says the same to
/// the planner. The spec lists the guest's 32-bit IOVAs below the interrupt window and its smallest pages: what decides is
/// its width, its stage and caching mode, as for QEMU, which knows nothing of the IOVAs a guest will use.</summary>
/// <param name="Scalable">QEMU's <c>x-scalable-mode=on</c> (spec <c>vtd.scalableMode</c>).</param>
/// <param name="FirstStage">QEMU's <c>x-flts=on</c>: the guest writes first-stage tables (spec <c>vtd.firstStage</c>).</param>
/// <param name="CachingMode">QEMU's <c>caching-mode=on</c> (spec <c>vtd.cachingMode</c>).</param>
/// <param name="AwBits">QEMU's <c>aw-bits</c> (spec <c>inputAddressWidth</c>).</param>
internal sealed record QemuGuestVtd(bool Scalable, bool FirstStage, bool CachingMode, int AwBits)
{
    /// <summary>The guests the oracle runs: each rule of the planner met and broken once (stage, caching mode, width
    /// against the host's, model validity), in both of QEMU's translation modes.</summary>
    public static IReadOnlyList<QemuGuestVtd> Matrix { get; } =
    [
        new(Scalable: false, FirstStage: false, CachingMode: true, AwBits: 48),
        new(Scalable: false, FirstStage: false, CachingMode: false, AwBits: 48),
        new(Scalable: false, FirstStage: false, CachingMode: true, AwBits: 39),
        new(Scalable: true, FirstStage: false, CachingMode: true, AwBits: 48),
        new(Scalable: true, FirstStage: false, CachingMode: false, AwBits: 39),
        new(Scalable: true, FirstStage: true, CachingMode: true, AwBits: 48),
        new(Scalable: true, FirstStage: true, CachingMode: true, AwBits: 39),
        new(Scalable: false, FirstStage: true, CachingMode: true, AwBits: 48),
    ];

    /// <summary>The options of QEMU's <c>intel-iommu</c> device, QEMU's defaults left out.</summary>
    public string IntelIommuOptions => string.Join(',', new[]
    {
        Scalable ? "x-scalable-mode=on" : null,
        FirstStage ? "x-flts=on" : null,
        CachingMode ? "caching-mode=on" : null,
        $"aw-bits={AwBits}",
    }.OfType<string>());

    /// <summary>The IOVAs the spec lists: the 32-bit ones below the interrupt window.</summary>
    public const string BelowInterruptWindow = """[{ "start": "0x0", "last": "0xfedfffff" }]""";

    /// <summary>The interrupt window itself, where x86 guests put no DMA and hosts keep their MSI doorbells.</summary>
    public const string InterruptWindow = """[{ "start": "0xfee00000", "last": "0xfeefffff" }]""";

    /// <summary>The planner's spec for this guest (QEMU's fs1gp=on default: first-stage 1 GiB pages with x-flts).</summary>
    public string SpecJson(string iovaRanges = BelowInterruptWindow) => $$"""
        {
          "description": "QEMU's intel-iommu,{{IntelIommuOptions}}",
          "model": "intel-vtd",
          "inputAddressWidth": {{AwBits}},
          "pageSizes": ["4K", "2M"],
          "iovaRanges": {{iovaRanges}},
          "vtd": { "scalableMode": {{Json(Scalable)}}, "firstStage": {{Json(FirstStage)}}, "cachingMode": {{Json(CachingMode)}}, "firstStage1GiBPages": {{Json(FirstStage)}} }
        }
        """;

    /// <summary>The spec, or the loader's refusal of a guest no VT-d can be.</summary>
    public (GuestViommuSpec? Spec, SpecException? Refusal) LoadSpec(string iovaRanges = BelowInterruptWindow)
    {
        try
        {
            return (SpecLoader.Parse(SpecJson(iovaRanges)), null);
        }
        catch (SpecException e)
        {
            return (null, e);
        }
    }

    private static string Json(bool value) => value ? "true" : "false";

    public override string ToString() => IntelIommuOptions;
}
