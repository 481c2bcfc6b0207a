using System.Text;
using Linux.Iommu.Native;
using static Linux.Iommu.CapabilityText;
using static Linux.Iommu.Readable;
using static Linux.Iommu.RegisterBits;

namespace Linux.Iommu;

/// <summary>ARM SMMUv3 capabilities, decoded from the ID registers that IOMMU_GET_HW_INFO reports raw in
/// <c>struct iommu_hw_info_arm_smmuv3</c>.</summary>
/// <remarks>
/// Field positions: ARM IHI 0070 (SMMU architecture v3), §6.3.1 SMMU_IDR0 … §6.3.6 SMMU_IDR5 and the
/// SMMU_IIDR/SMMU_AIDR pages of §6.3; they match the kernel's <c>IDRn_*</c> masks in
/// <c>drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h</c>. The kernel reports every bit but promises only
/// ST_LEVEL, TERM_MODEL, STALL_MODEL, TTENDIAN, CD2L, ASID16, TTF (IDR0), SIDSIZE, SSIDSIZE (IDR1),
/// BBML, RIL (IDR3), VAX, GRAN*, DS (IDR5) as meaningful for a vSMMU; it says S1P is to be inferred
/// from a successful nested HWPT and COHACC is always assumed (linux/iommufd.h). The rest are
/// decoded for diagnostics. Equality is that of the raw registers and flags.
/// </remarks>
/// <param name="Flags">The kernel's flags (errata).</param>
/// <param name="Idr0">SMMU_IDR0.</param>
/// <param name="Idr1">SMMU_IDR1.</param>
/// <param name="Idr2">SMMU_IDR2.</param>
/// <param name="Idr3">SMMU_IDR3.</param>
/// <param name="Idr4">SMMU_IDR4 (implementation defined).</param>
/// <param name="Idr5">SMMU_IDR5.</param>
/// <param name="Iidr">SMMU_IIDR: implementer, product, variant, revision.</param>
/// <param name="Aidr">SMMU_AIDR: architecture revision.</param>
public sealed record SmmuV3Capabilities(
    SmmuV3Flags Flags, uint Idr0, uint Idr1, uint Idr2, uint Idr3, uint Idr4, uint Idr5, uint Iidr, uint Aidr)
{
    /// <summary>Decodes the kernel's structure.</summary>
    internal static SmmuV3Capabilities From(in iommu_hw_info_arm_smmuv3 native) => new(
        (SmmuV3Flags)native.flags,
        native.idr[0], native.idr[1], native.idr[2], native.idr[3], native.idr[4], native.idr[5], native.iidr, native.aidr);

    /// <summary>Erratum T264-SMMU-3: every TLBI/CFGI + SYNC command must be issued twice.</summary>
    public bool ErrataRepeatTlbiCfgi => Flags.HasFlag(SmmuV3Flags.ErrataRepeatTlbiCfgi);

    // ---- SMMU_IDR0 (§6.3.1) ----

    /// <summary>S2P (bit 0): stage 2 translation (what a nesting parent needs).</summary>
    public bool Stage2 => Bit(Idr0, 0);

    /// <summary>S1P (bit 1): stage 1 translation.</summary>
    public bool Stage1 => Bit(Idr0, 1);

    /// <summary>TTF (bits 3:2): AArch32 and/or AArch64 tables.</summary>
    public SmmuTranslationTableFormats TranslationTableFormats => (SmmuTranslationTableFormats)Field(Idr0, 2, 2);

    /// <summary>COHACC (bit 4): coherent access to tables, queues and memory.</summary>
    public bool CoherentAccess => Bit(Idr0, 4);

    /// <summary>BTM (bit 5): broadcast TLB maintenance.</summary>
    public bool BroadcastTlbMaintenance => Bit(Idr0, 5);

    /// <summary>HTTU (bits 7:6): hardware Access flag / dirty state update.</summary>
    public SmmuHardwareTableUpdate HardwareTableUpdate => (SmmuHardwareTableUpdate)Field(Idr0, 6, 2);

    /// <summary>HYP (bit 9): hypervisor (EL2) stage 1 contexts.</summary>
    public bool Hypervisor => Bit(Idr0, 9);

    /// <summary>ATS (bit 10): PCIe ATS.</summary>
    public bool Ats => Bit(Idr0, 10);

    /// <summary>ASID16 (bit 12): 16-bit ASIDs (else 8-bit).</summary>
    public bool Asid16 => Bit(Idr0, 12);

    /// <summary>MSI (bit 13): message-signalled interrupts.</summary>
    public bool Msi => Bit(Idr0, 13);

    /// <summary>SEV (bit 14): WFE wake-up events.</summary>
    public bool Sev => Bit(Idr0, 14);

    /// <summary>PRI (bit 16): PCIe page request interface.</summary>
    public bool Pri => Bit(Idr0, 16);

    /// <summary>VMID16 (bit 18): 16-bit VMIDs (else 8-bit).</summary>
    public bool Vmid16 => Bit(Idr0, 18);

    /// <summary>CD2L (bit 19): two-level context descriptor tables.</summary>
    public bool TwoLevelContextDescriptorTable => Bit(Idr0, 19);

    /// <summary>TTENDIAN (bits 22:21): endianness of table walks.</summary>
    public SmmuTableEndianness TableEndianness => (SmmuTableEndianness)Field(Idr0, 21, 2);

    /// <summary>STALL_MODEL (bits 25:24).</summary>
    public SmmuStallModel StallModel => (SmmuStallModel)Field(Idr0, 24, 2);

    /// <summary>TERM_MODEL (bit 26): a terminated transaction always aborts (CD.A cannot choose RAZ/WI).</summary>
    public bool TerminateAlwaysAborts => Bit(Idr0, 26);

    /// <summary>ST_LEVEL (bits 28:27) = 0b01: two-level stream tables (0b00: linear only).</summary>
    public bool TwoLevelStreamTable => Field(Idr0, 27, 2) == 1;

    // ---- SMMU_IDR1 (§6.3.2) ----

    /// <summary>SIDSIZE (bits 5:0): StreamID width in bits.</summary>
    public int StreamIdBits => (int)Field(Idr1, 0, 6);

    /// <summary>SSIDSIZE (bits 10:6): SubstreamID (PASID) width in bits; 0 means no substreams.</summary>
    public int SubstreamIdBits => (int)Field(Idr1, 6, 5);

    /// <summary>PRIQS (bits 15:11): log2 of the largest PRI queue.</summary>
    public int PriQueueLog2Entries => (int)Field(Idr1, 11, 5);

    /// <summary>EVENTQS (bits 20:16): log2 of the largest event queue.</summary>
    public int EventQueueLog2Entries => (int)Field(Idr1, 16, 5);

    /// <summary>CMDQS (bits 25:21): log2 of the largest command queue.</summary>
    public int CommandQueueLog2Entries => (int)Field(Idr1, 21, 5);

    /// <summary>REL (bit 28): preset table and queue addresses are relative to the register base.</summary>
    public bool RelativeBasePointers => Bit(Idr1, 28);

    /// <summary>QUEUES_PRESET (bit 29): queue base addresses are fixed.</summary>
    public bool QueuesPreset => Bit(Idr1, 29);

    /// <summary>TABLES_PRESET (bit 30): table base addresses are fixed.</summary>
    public bool TablesPreset => Bit(Idr1, 30);

    // ---- SMMU_IDR3 (§6.3.4) ----

    /// <summary>HAD (bit 2): hierarchical attribute disables in stage 1 tables.</summary>
    public bool HierarchicalAttributeDisable => Bit(Idr3, 2);

    /// <summary>XNX (bit 4): stage 2 distinguishes EL0 and EL1 execute-never.</summary>
    public bool Stage2ExecuteNeverPerLevel => Bit(Idr3, 4);

    /// <summary>FWB (bit 8): stage 2 forced write-back (S2FWB; the kernel's vSMMU wants it or IORT CANWBS).</summary>
    public bool Stage2ForcedWriteBack => Bit(Idr3, 8);

    /// <summary>STT (bit 9): small translation tables.</summary>
    public bool SmallTranslationTables => Bit(Idr3, 9);

    /// <summary>RIL (bit 10): range-based TLB invalidation.</summary>
    public bool RangeInvalidation => Bit(Idr3, 10);

    /// <summary>BBML (bits 12:11): break-before-make level, 0, 1 or 2.</summary>
    public int BreakBeforeMakeLevel => (int)Field(Idr3, 11, 2);

    // ---- SMMU_IDR5 (§6.3.6) ----

    /// <summary>OAS (bits 2:0): the output (physical) address size in bits, or null for a reserved encoding.</summary>
    public int? OutputAddressBits => Field(Idr5, 0, 3) switch
    {
        0 => 32, 1 => 36, 2 => 40, 3 => 42, 4 => 44, 5 => 48, 6 => 52,
        _ => null,
    };

    /// <summary>GRAN4K (bit 4): 4 KiB translation granule.</summary>
    public bool Granule4K => Bit(Idr5, 4);

    /// <summary>GRAN16K (bit 5): 16 KiB translation granule.</summary>
    public bool Granule16K => Bit(Idr5, 5);

    /// <summary>GRAN64K (bit 6): 64 KiB translation granule.</summary>
    public bool Granule64K => Bit(Idr5, 6);

    /// <summary>VAX (bits 11:10): the stage 1 virtual address size, 48 or 52 bits, or null for an encoding this decoder does not know.</summary>
    public int? VirtualAddressBits => Field(Idr5, 10, 2) switch
    {
        0 => 48, 1 => 52,
        _ => null,
    };

    /// <summary>STALL_MAX (bits 31:16): the most stalled transactions outstanding.</summary>
    public int StallMax => (int)Field(Idr5, 16, 16);

    // ---- SMMU_IIDR, SMMU_AIDR (§6.3) ----

    /// <summary>IIDR.Implementer (bits 11:0): JEP106 code of the implementer (0x43b: ARM).</summary>
    public int Implementer => (int)Field(Iidr, 0, 12);

    /// <summary>IIDR.ProductID (bits 31:20).</summary>
    public int ProductId => (int)Field(Iidr, 20, 12);

    /// <summary>IIDR.Variant (bits 19:16) and Revision (bits 15:12): the product's "rVpR".</summary>
    public string ProductRevision => $"r{Field(Iidr, 16, 4)}p{Field(Iidr, 12, 4)}";

    /// <summary>AIDR: the architecture revision SMMUv3.<i>ArchMinorRev</i> (ArchMajorRev, bits 7:4, is 0 for v3), or null for another major revision.</summary>
    public Version? ArchitectureVersion => Field(Aidr, 4, 4) == 0 ? new Version(3, (int)Field(Aidr, 0, 4)) : null;

    /// <summary>The registers and their meaning, one topic a line.</summary>
    public string Describe() => Describe(new StringBuilder(), "").ToString();

    internal StringBuilder Describe(StringBuilder text, string indent)
    {
        var granules = List(new[] { (On: Granule4K, Size: "4K"), (On: Granule16K, Size: "16K"), (On: Granule64K, Size: "64K") }
            .Where(granule => granule.On).Select(granule => granule.Size));
        return text
            .Line(indent, $"ARM SMMUv{ArchitectureVersion?.ToString() ?? $"? (AIDR 0x{Aidr:x})"}: IDR0 0x{Idr0:x8}, IDR1 0x{Idr1:x8}, IDR2 0x{Idr2:x8}, IDR3 0x{Idr3:x8}, IDR4 0x{Idr4:x8}, IDR5 0x{Idr5:x8}, IIDR 0x{Iidr:x8}, AIDR 0x{Aidr:x8}, flags {(Flags == 0 ? "none" : (iommu_hw_info_arm_smmuv3_flags)Flags)}")
            .Line(indent, $"  stage 1 (S1P): {YesNo(Stage1)}; stage 2 (S2P): {YesNo(Stage2)}; table formats (TTF): {TranslationTableFormats}; endianness (TTENDIAN): {TableEndianness}")
            .Line(indent, $"  output address size (OAS): {(OutputAddressBits is { } oas ? $"{oas} bits" : "reserved")}; granules: {granules}; stage 1 VA size (VAX): {(VirtualAddressBits is { } va ? $"{va} bits" : "unknown")}")
            .Line(indent, $"  StreamID: {StreamIdBits} bits; SubstreamID (SSIDSIZE): {SubstreamIdBits} bits; two-level stream table (ST_LEVEL): {YesNo(TwoLevelStreamTable)}; two-level CD table (CD2L): {YesNo(TwoLevelContextDescriptorTable)}")
            .Line(indent, $"  coherent access (COHACC): {YesNo(CoherentAccess)}; hardware A/D update (HTTU): {HardwareTableUpdate}; ATS: {YesNo(Ats)}; PRI: {YesNo(Pri)}; BTM: {YesNo(BroadcastTlbMaintenance)}")
            .Line(indent, $"  ASID16: {YesNo(Asid16)}; VMID16: {YesNo(Vmid16)}; MSI: {YesNo(Msi)}; SEV: {YesNo(Sev)}; stall model: {StallModel}")
            .Line(indent, $"  range invalidation (RIL): {YesNo(RangeInvalidation)}; break-before-make level (BBML): {BreakBeforeMakeLevel}; stage 2 forced write-back (FWB): {YesNo(Stage2ForcedWriteBack)}");
    }

    /// <summary>The same text as <see cref="Describe()"/>.</summary>
    public override string ToString() => Describe();
}
