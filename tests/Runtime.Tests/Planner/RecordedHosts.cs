using Linux.Iommu.Native;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>IOMMU_GET_HW_INFO of real and specified hosts, as the planner receives them.</summary>
internal static class RecordedHosts
{
    private const HwCapabilities NoCaps = 0;

    /// <summary>QEMU 7.2 intel-iommu,intremap=on, measured in our 7.3 guest: cap 0xd2008c22260206 (39-bit), ecap 0xf00f4a (legacy mode: no SMTS/FSTS/NEST).</summary>
    public static HwInfo QemuVtdLegacy => HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0x00d2008c22260206, 0xf00f4a), 0, 0);

    /// <summary>QEMU 10.0.2 x-scalable-mode=on,x-flts=on, measured in our 7.3 guest: cap 0x1d2008c222f0606 (FS1GP, 48-bit), ecap 0x880000f00f4a (SMTS, FSTS; no NEST).</summary>
    public static HwInfo QemuVtdScalableFlts => HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0x1d2008c222f0606, 0x880000f00f4a), 0, 0);

    /// <summary>The QEMU flts registers plus ECAP.NEST (bit 26) and SSADS (bit 45): a host that can nest, as a
    /// Sapphire Rapids reports it (the VT-d spec's bit positions; no such register set is measured here).</summary>
    public static HwInfo VtdWithNesting(HwCapabilities caps = NoCaps) =>
        HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0x1d2008c222f0606, 0x880000f00f4a | 1UL << 26 | 1UL << 45), (ulong)caps, 20);

    /// <summary>QEMU 10.0.2 virt,iommu=smmuv3 measured in our aarch64 guest: IDR0 0x0d44101b, IDR1 0x02730010, IDR3 0x1414, IDR5 0x74.</summary>
    public static HwInfo QemuSmmuV3 => HwInfo.Decode(HwInfoType.ArmSmmuV3, HwInfoData.SmmuV3([0x0d44101b, 0x02730010, 0, 0x1414, 0, 0x74]), 0, 0);

    /// <summary>An AMD IOMMU with guest translation (EFR.GTSup bit 4), 4-level guest tables (GATS 0) and PASmax 15 (16 bits), from AMD 48882 §3.4.</summary>
    public static HwInfo AmdWithGuestTranslation => HwInfo.Decode(HwInfoType.Amd, HwInfoData.Amd(1UL << 4 | 15UL << 32, 0), 0, 16);

    /// <summary>An IOAS the way the x86 guest reports it with a device attached: [0, 0xfedfffff] and [0xfef00000, 2^48-1], 4 KiB alignment.</summary>
    public static ShadowFacts X86Ioas => new([new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, (1UL << 48) - 1)], 4096, 4096);

    /// <summary>A VT-d guest that writes second-stage tables with caching mode (QEMU's <c>caching-mode=on</c>): the guest a
    /// VMM can shadow.</summary>
    public static GuestViommuSpec Vtd(int width = 48, ulong[]? pages = null, IovaRange[]? ranges = null, bool cachingMode = true) =>
        new(new IntelVtdModel(CachingMode: cachingMode), width, pages ?? [4096, 2UL << 20], ranges ?? [new IovaRange(0, 0xfedfffff)]);

    /// <summary>A VT-d guest that writes first-stage tables (QEMU's <c>x-flts=on</c>): the guest a host can nest.</summary>
    public static GuestViommuSpec VtdFirstStage(int width = 48, bool oneGiB = false, bool dirty = false) =>
        new(new IntelVtdModel(oneGiB, FirstStage: true), width, [4096, 2UL << 20], [new IovaRange(0, 0xfedfffff)], DirtyTracking: dirty);

    public static GuestViommuSpec SmmuV3(ArmSmmuV3Model guest, int pasid = 0) =>
        new(guest, 48, [4096], [new IovaRange(0, 0x7ffffff)], PasidBits: pasid);
}
