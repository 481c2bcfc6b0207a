using System.Text;
using Linux.Iommu.Native;
using static Linux.Iommu.CapabilityText;
using static Linux.Iommu.Readable;
using static Linux.Iommu.RegisterBits;

namespace Linux.Iommu;

/// <summary>Intel VT-d capabilities, decoded from the Capability (CAP_REG) and Extended Capability
/// (ECAP_REG) registers that IOMMU_GET_HW_INFO reports raw in <c>struct iommu_hw_info_vtd</c>.</summary>
/// <remarks>
/// Bit positions: Intel VT-d specification rev 4.x, §11.4.2 (Capability Register) and §11.4.3
/// (Extended Capability Register); they match the kernel's <c>cap_*</c>/<c>ecap_*</c> macros in
/// <c>drivers/iommu/intel/iommu.h</c>. Rev 4 renamed first-/second-level to first-/second-stage
/// (FLTS → FSTS, SLTS → SSTS, SLADS → SSADS, FL1GP → FS1GP); the properties use the new names.
/// Equality is that of the raw registers and flags; every other property is decoded from them.
/// </remarks>
/// <param name="CapReg">The raw Capability Register.</param>
/// <param name="EcapReg">The raw Extended Capability Register.</param>
/// <param name="Flags">The kernel's flags (errata).</param>
public sealed record VtdCapabilities(ulong CapReg, ulong EcapReg, VtdFlags Flags)
{
    /// <summary>Decodes the kernel's structure.</summary>
    internal static VtdCapabilities From(in iommu_hw_info_vtd native) =>
        new(native.cap_reg, native.ecap_reg, (VtdFlags)native.flags);

    /// <summary>Erratum 772415 (SPR17): read-only mappings must not be used in a nesting parent domain.</summary>
    public bool Errata772415Spr17 => Flags.HasFlag(VtdFlags.Errata772415Spr17);

    // ---- Capability Register (§11.4.2) ----

    /// <summary>ND (bits 2:0): domain-ids supported, 2^(4 + 2·ND) (16 … 65536; ND 7 is reserved).</summary>
    public int NumberOfDomains => 1 << (4 + 2 * (int)Field(CapReg, 0, 3));

    /// <summary>RWBF (bit 4): software must flush write buffers after updating remapping structures.</summary>
    public bool RequiresWriteBufferFlush => Bit(CapReg, 4);

    /// <summary>CM (bit 7): caching mode, not-present and erroneous entries may be cached, so every
    /// change needs an invalidation (what a vIOMMU sets so the VMM sees every guest map).</summary>
    public bool CachingMode => Bit(CapReg, 7);

    /// <summary>SAGAW (bits 12:8), raw: bit 1 = 39-bit (3-level), bit 2 = 48-bit (4-level), bit 3 = 57-bit (5-level) second-stage tables.</summary>
    public uint Sagaw => Field(CapReg, 8, 5);

    /// <summary>The adjusted guest address widths the second-stage tables support (from SAGAW), ascending: e.g. 39, 48.</summary>
    public IReadOnlyList<int> SupportedAddressWidths =>
        [.. new[] { (Bit: 1, Width: 39), (Bit: 2, Width: 48), (Bit: 3, Width: 57) }
            .Where(level => Bit(Sagaw, level.Bit)).Select(level => level.Width)];

    /// <summary>MGAW (bits 21:16) + 1: the maximum guest address width, in bits.</summary>
    public int MaxGuestAddressWidth => (int)Field(CapReg, 16, 6) + 1;

    /// <summary>ZLR (bit 22): zero-length DMA reads are supported.</summary>
    public bool ZeroLengthRead => Bit(CapReg, 22);

    /// <summary>FRO (bits 33:24) × 16: offset of the first fault recording register from the register base.</summary>
    public int FaultRecordingOffset => (int)Field(CapReg, 24, 10) * 16;

    /// <summary>SLLPS bit 0 (bit 34): second-stage 2 MiB pages.</summary>
    public bool SecondStage2MiBPages => Bit(CapReg, 34);

    /// <summary>SLLPS bit 1 (bit 35): second-stage 1 GiB pages.</summary>
    public bool SecondStage1GiBPages => Bit(CapReg, 35);

    /// <summary>PSI (bit 39): page-selective IOTLB invalidation.</summary>
    public bool PageSelectiveInvalidation => Bit(CapReg, 39);

    /// <summary>NFR (bits 47:40) + 1: the number of fault recording registers.</summary>
    public int FaultRecordingRegisters => (int)Field(CapReg, 40, 8) + 1;

    /// <summary>MAMV (bits 53:48): the largest address mask of a page-selective invalidation (2^MAMV pages).</summary>
    public int MaxAddressMaskValue => (int)Field(CapReg, 48, 6);

    /// <summary>FS1GP (bit 56; FL1GP before rev 4): first-stage 1 GiB pages.</summary>
    public bool FirstStage1GiBPages => Bit(CapReg, 56);

    /// <summary>PI (bit 59): posted interrupts.</summary>
    public bool PostedInterrupts => Bit(CapReg, 59);

    /// <summary>FS5LP (bit 60; FL5LP before rev 4): first-stage 5-level paging.</summary>
    public bool FirstStage5LevelPaging => Bit(CapReg, 60);

    // ---- Extended Capability Register (§11.4.3) ----

    /// <summary>C (bit 0): page walks snoop processor caches.</summary>
    public bool PageWalkCoherency => Bit(EcapReg, 0);

    /// <summary>QI (bit 1): queued invalidation.</summary>
    public bool QueuedInvalidation => Bit(EcapReg, 1);

    /// <summary>DT (bit 2): device TLBs (ATS).</summary>
    public bool DeviceTlb => Bit(EcapReg, 2);

    /// <summary>IR (bit 3): interrupt remapping.</summary>
    public bool InterruptRemapping => Bit(EcapReg, 3);

    /// <summary>EIM (bit 4): extended (x2APIC) interrupt mode.</summary>
    public bool ExtendedInterruptMode => Bit(EcapReg, 4);

    /// <summary>PT (bit 6): pass-through translation.</summary>
    public bool PassThrough => Bit(EcapReg, 6);

    /// <summary>SC (bit 7): snoop control (the SNP bit in second-stage entries).</summary>
    public bool SnoopControl => Bit(EcapReg, 7);

    /// <summary>IRO (bits 17:8) × 16: offset of the IOTLB registers from the register base.</summary>
    public int IotlbRegisterOffset => (int)Field(EcapReg, 8, 10) * 16;

    /// <summary>NEST (bit 26): nested (first-stage over second-stage) translation; what a
    /// nesting-parent HWPT needs.</summary>
    public bool Nesting => Bit(EcapReg, 26);

    /// <summary>PRS (bit 29): page requests (PRI).</summary>
    public bool PageRequests => Bit(EcapReg, 29);

    /// <summary>ERS (bit 30): requests seeking execute permission.</summary>
    public bool ExecuteRequests => Bit(EcapReg, 30);

    /// <summary>SRS (bit 31): requests-with-PASID seeking supervisor privilege.</summary>
    public bool SupervisorRequests => Bit(EcapReg, 31);

    /// <summary>PSS (bits 39:35), raw: the PASID width is PSS + 1 bits.</summary>
    public uint Pss => Field(EcapReg, 35, 5);

    /// <summary>PASID (bit 40): process address space IDs.</summary>
    public bool Pasid => Bit(EcapReg, 40);

    /// <summary>The PASID width in bits (PSS + 1), or 0 without PASID support.</summary>
    public int PasidBits => Pasid ? (int)Pss + 1 : 0;

    /// <summary>SMTS (bit 43): scalable-mode translation (PASID-granular tables; needed for first-stage and nesting).</summary>
    public bool ScalableMode => Bit(EcapReg, 43);

    /// <summary>SSADS (bit 45; SLADS before rev 4): accessed/dirty bits in second-stage entries, the hardware dirty tracking.</summary>
    public bool SecondStageDirtyTracking => Bit(EcapReg, 45);

    /// <summary>SSTS (bit 46; SLTS before rev 4): second-stage translation in scalable mode.</summary>
    public bool SecondStageTranslation => Bit(EcapReg, 46);

    /// <summary>FSTS (bit 47; FLTS before rev 4): first-stage translation in scalable mode (the guest's page-table format for nesting).</summary>
    public bool FirstStageTranslation => Bit(EcapReg, 47);

    /// <summary>The registers and their meaning, one topic a line.</summary>
    public string Describe() => Describe(new StringBuilder(), "").ToString();

    internal StringBuilder Describe(StringBuilder text, string indent)
    {
        var widths = List(SupportedAddressWidths.Select(width => $"{width}"));
        var largePages = List(new[] { (Supported: SecondStage2MiBPages, Size: "2 MiB"), (Supported: SecondStage1GiBPages, Size: "1 GiB") }
            .Where(page => page.Supported).Select(page => page.Size));
        return text
            .Line(indent, $"Intel VT-d: cap 0x{CapReg:x16}, ecap 0x{EcapReg:x16}, flags {(Flags == 0 ? "none" : (iommu_hw_info_vtd_flags)Flags)}")
            .Line(indent, $"  address widths (SAGAW): {widths} bits; max guest address width (MGAW): {MaxGuestAddressWidth} bits")
            .Line(indent, $"  scalable mode (SMTS): {YesNo(ScalableMode)}; first stage (FSTS/FLTS): {YesNo(FirstStageTranslation)}; second stage (SSTS/SLTS): {YesNo(SecondStageTranslation)}; nesting (NEST): {YesNo(Nesting)}")
            .Line(indent, $"  second-stage large pages (SLLPS): {largePages}; first-stage 1 GiB pages (FS1GP): {YesNo(FirstStage1GiBPages)}; first-stage 5-level (FS5LP): {YesNo(FirstStage5LevelPaging)}")
            .Line(indent, $"  PASID: {(Pasid ? $"{PasidBits} bits" : "no")}; page requests (PRS): {YesNo(PageRequests)}; dirty tracking (SSADS): {YesNo(SecondStageDirtyTracking)}")
            .Line(indent, $"  pass-through (PT): {YesNo(PassThrough)}; snoop control (SC): {YesNo(SnoopControl)}; device TLB (DT): {YesNo(DeviceTlb)}; caching mode (CM): {YesNo(CachingMode)}")
            .Line(indent, $"  domains (ND): {NumberOfDomains}; fault recording: {FaultRecordingRegisters} register(s) at 0x{FaultRecordingOffset:x}; queued invalidation (QI): {YesNo(QueuedInvalidation)}; interrupt remapping (IR): {YesNo(InterruptRemapping)}");
    }

    /// <summary>The same text as <see cref="Describe()"/>.</summary>
    public override string ToString() => Describe();
}
