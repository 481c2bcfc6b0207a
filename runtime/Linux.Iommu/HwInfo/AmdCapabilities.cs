using System.Text;
using Linux.Iommu.Native;
using static Linux.Iommu.CapabilityText;
using static Linux.Iommu.Readable;
using static Linux.Iommu.RegisterBits;

namespace Linux.Iommu;

/// <summary>AMD IOMMU capabilities, decoded from the Extended Feature registers that IOMMU_GET_HW_INFO
/// reports raw in <c>struct iommu_hw_info_amd</c>.</summary>
/// <remarks>
/// Bit positions: AMD I/O Virtualization Technology (IOMMU) Specification 48882 rev 3.10, the
/// "MMIO Offset 0030h IOMMU Extended Feature Register" (EFR) and "MMIO Offset 01A0h IOMMU Extended
/// Feature 2 Register" (EFR2) tables; they match the kernel's <c>FEATURE_*</c> masks in
/// <c>drivers/iommu/amd/amd_iommu_types.h</c>. The kernel lets a VMM expose only EFR GTSup, GASup,
/// GIoSup, PPRSup, EPHSup, GATS, GLX and PASmax to a hardware vIOMMU (linux/iommufd.h); the rest are
/// decoded for diagnostics. Equality is that of the raw registers.
/// </remarks>
/// <param name="Efr">The raw Extended Feature Register.</param>
/// <param name="Efr2">The raw Extended Feature 2 Register.</param>
public sealed record AmdCapabilities(ulong Efr, ulong Efr2)
{
    /// <summary>Decodes the kernel's structure.</summary>
    internal static AmdCapabilities From(in iommu_hw_info_amd native) => new(native.efr, native.efr2);

    /// <summary>PreFSup (bit 0): the PREFETCH_IOMMU_PAGES command.</summary>
    public bool Prefetch => Bit(Efr, 0);

    /// <summary>PPRSup (bit 1): peripheral page requests (PRI).</summary>
    public bool PeripheralPageRequests => Bit(Efr, 1);

    /// <summary>XTSup (bit 2): x2APIC interrupt remapping.</summary>
    public bool X2Apic => Bit(Efr, 2);

    /// <summary>NXSup (bit 3): no-execute protection.</summary>
    public bool NoExecute => Bit(Efr, 3);

    /// <summary>GTSup (bit 4): guest translation (the v2, x86-format page table a guest can own; nesting).</summary>
    public bool GuestTranslation => Bit(Efr, 4);

    /// <summary>IASup (bit 6): the INVALIDATE_IOMMU_ALL command.</summary>
    public bool InvalidateAll => Bit(Efr, 6);

    /// <summary>GASup (bit 7): guest virtual APIC (interrupt virtualization).</summary>
    public bool GuestVirtualApic => Bit(Efr, 7);

    /// <summary>HESup (bit 8): hardware error registers.</summary>
    public bool HardwareErrorRegisters => Bit(Efr, 8);

    /// <summary>PCSup (bit 9): performance counters.</summary>
    public bool PerformanceCounters => Bit(Efr, 9);

    /// <summary>HATS (bits 11:10), raw: host (v1) page-table levels beyond 4.</summary>
    public uint Hats => Field(Efr, 10, 2);

    /// <summary>The host (v1) page table's most levels: HATS 0/1/2 → 4/5/6; null for HATS 3, which the
    /// kernel treats as "host translation unusable" (amd/init.c).</summary>
    public int? HostPageTableLevels => Hats == 3 ? null : (int)Hats + 4;

    /// <summary>GATS (bits 13:12), raw: guest (v2) page-table levels beyond 4.</summary>
    public uint Gats => Field(Efr, 12, 2);

    /// <summary>The guest (v2) page table's most levels: GATS 0 → 4 (48-bit), 1 → 5 (57-bit); null for a reserved encoding.</summary>
    public int? GuestPageTableLevels => Gats <= 1 ? (int)Gats + 4 : null;

    /// <summary>GLXSup (bits 15:14), raw: GCR3 table levels beyond 1.</summary>
    public uint Glx => Field(Efr, 14, 2);

    /// <summary>The GCR3 (per-PASID guest CR3) table's most levels: GLX + 1 (the DTE's GLX field holds levels - 1).</summary>
    public int GuestCr3TableLevels => (int)Glx + 1;

    /// <summary>GAMSup bit 0 (bit 21): guest virtual APIC mode of interrupt remapping.</summary>
    public bool GuestVirtualApicMode => Bit(Efr, 21);

    /// <summary>PASmax (bits 36:32), raw: the largest PASID is 2^(PASmax + 1) - 1.</summary>
    public uint PasMax => Field(Efr, 32, 5);

    /// <summary>The PASID width in bits (PASmax + 1), meaningful with <see cref="GuestTranslation"/>.</summary>
    public int PasidBits => (int)PasMax + 1;

    /// <summary>GIoSup (bit 48): guest I/O protection.</summary>
    public bool GuestIoProtection => Bit(Efr, 48);

    /// <summary>HASup (bit 49): host page table access-bit update by hardware.</summary>
    public bool HostAccessBitUpdate => Bit(Efr, 49);

    /// <summary>EPHSup (bit 50): enhanced PPR handling.</summary>
    public bool EnhancedPprHandling => Bit(Efr, 50);

    /// <summary>HDSup (bit 52): host page table dirty-bit update by hardware, the iommufd dirty tracking.</summary>
    public bool HostDirtyBitUpdate => Bit(Efr, 52);

    /// <summary>SNPSup (bit 63): SEV-SNP support.</summary>
    public bool SevSnp => Bit(Efr, 63);

    /// <summary>EFR2 SEVSNPIOSup (bit 1): SEV-SNP trusted I/O.</summary>
    public bool SevSnpIo => Bit(Efr2, 1);

    /// <summary>EFR2 GCR3TRPModeSup (bit 3): GCR3 table root pointer mode (the kernel's FEATURE_GCR3TRPMODE, used for nested guest translation).</summary>
    public bool Gcr3TrpMode => Bit(Efr2, 3);

    /// <summary>The registers and their meaning, one topic a line.</summary>
    public string Describe() => Describe(new StringBuilder(), "").ToString();

    internal StringBuilder Describe(StringBuilder text, string indent) => text
        .Line(indent, $"AMD IOMMU: EFR 0x{Efr:x16}, EFR2 0x{Efr2:x16}")
        .Line(indent, $"  guest translation (GT): {YesNo(GuestTranslation)}; guest page-table levels (GATS): {GuestPageTableLevels?.ToString() ?? "reserved"}; GCR3 levels (GLX): {GuestCr3TableLevels}; PASID (PASmax): {PasidBits} bits")
        .Line(indent, $"  host page-table levels (HATS): {HostPageTableLevels?.ToString() ?? "unusable (HATS 3)"}; dirty update (HDSup): {YesNo(HostDirtyBitUpdate)}; access update (HASup): {YesNo(HostAccessBitUpdate)}")
        .Line(indent, $"  PPR: {YesNo(PeripheralPageRequests)}; enhanced PPR (EPH): {YesNo(EnhancedPprHandling)}; NX: {YesNo(NoExecute)}; guest APIC (GA): {YesNo(GuestVirtualApic)}; vAPIC mode (GAM): {YesNo(GuestVirtualApicMode)}; guest I/O protection (GIo): {YesNo(GuestIoProtection)}; x2APIC (XT): {YesNo(X2Apic)}");

    /// <summary>The same text as <see cref="Describe()"/>.</summary>
    public override string ToString() => Describe();
}
