using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>VT-d registers measured in our 7.3 guest under QEMU 10.0.2 (DESIGN.md §4) and 7.2 (the VM tier), decoded by hand from
/// the VT-d spec rev 4.x §11.4.2 (CAP) and §11.4.3 (ECAP) in each test's comments.</summary>
public sealed class VtdCapabilitiesTests
{
    // intel-iommu,intremap=on on QEMU 10.0.2 (aw-bits defaults to 48 from QEMU 9.0)
    private const ulong LegacyCap = 0xd2008c222f0606;
    // the same on QEMU 7.2, the VM tier's today (aw-bits defaults to 39); same ecap
    private const ulong Qemu72LegacyCap = 0xd2008c22260206;
    private const ulong LegacyEcap = 0xf00f4a;
    // +x-scalable-mode=on: same cap
    private const ulong ScalableEcap = 0x480080f00f4a;
    // +x-scalable-mode=on,x-flts=on
    private const ulong FltsCap = 0x1d2008c222f0606;
    private const ulong FltsEcap = 0x880000f00f4a;

    private static VtdCapabilities Decode(ulong cap, ulong ecap, uint flags = 0)
    {
        var info = HwInfo.Decode(iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD, HwInfoData.Vtd(cap, ecap, flags), 0, 0);
        Assert.Null(info.SmmuV3);
        Assert.Null(info.Amd);
        return Assert.IsType<VtdCapabilities>(info.Vtd);
    }

    [Fact]
    public void Qemu_legacy_cap_reports_39_and_48_bit_widths_48_bit_mgaw_and_2MiB_1GiB_second_stage_pages()
    {
        // cap 0x00d2008c222f0606: SAGAW = bits 12:8 = 0x06 = 0b00110 -> bit 1 (39-bit) and bit 2 (48-bit);
        // MGAW = bits 21:16 = 0x2f = 47 -> 48 bits; SLLPS = bits 37:34 = (0x8c22 >> 10) & 0xf = 0b0011 -> 2 MiB and 1 GiB.
        var vtd = Decode(LegacyCap, LegacyEcap);
        Assert.Equal(0x06u, vtd.Sagaw);
        Assert.Equal([39, 48], vtd.SupportedAddressWidths);
        Assert.Equal(48, vtd.MaxGuestAddressWidth);
        Assert.True(vtd.SecondStage2MiBPages);
        Assert.True(vtd.SecondStage1GiBPages);
    }

    [Fact]
    public void Qemu72_legacy_cap_reports_only_the_39_bit_width_and_a_39_bit_mgaw()
    {
        // cap 0x00d2008c22260206 differs from 10.0.2's only in bits 21:8: SAGAW = bits 12:8 = 0x02 -> bit 1 (39-bit) only;
        // MGAW = bits 21:16 = 0x26 = 38 -> 39 bits. SLLPS (0b11), ND (6), FRO (0x220) are unchanged.
        var vtd = Decode(Qemu72LegacyCap, LegacyEcap);
        Assert.Equal([39], vtd.SupportedAddressWidths);
        Assert.Equal(39, vtd.MaxGuestAddressWidth);
        Assert.True(vtd.SecondStage2MiBPages && vtd.SecondStage1GiBPages);
        Assert.Equal(65536, vtd.NumberOfDomains);
        Assert.Equal(0x220, vtd.FaultRecordingOffset);
    }

    [Fact]
    public void Qemu_legacy_cap_reports_65536_domains_one_fault_register_at_0x220_and_no_caching_mode()
    {
        // ND = bits 2:0 = 6 -> 2^(4+12) = 65536; CM = bit 7 of 0x06 = 0; FRO = bits 33:24 = 0x022 -> 0x22 * 16 = 0x220;
        // NFR = bits 47:40 = 0x00 -> 1 register; PSI = bit 39 (top bit of 0x8c) = 1; MAMV = bits 53:48 = 0xd2 & 0x3f = 18.
        var vtd = Decode(LegacyCap, LegacyEcap);
        Assert.Equal(65536, vtd.NumberOfDomains);
        Assert.False(vtd.CachingMode);
        Assert.Equal(0x220, vtd.FaultRecordingOffset);
        Assert.Equal(1, vtd.FaultRecordingRegisters);
        Assert.True(vtd.PageSelectiveInvalidation);
        Assert.Equal(18, vtd.MaxAddressMaskValue);
        Assert.False(vtd.ZeroLengthRead);     // bit 22 of 0x2f
        Assert.False(vtd.RequiresWriteBufferFlush); // bit 4 of 0x06
    }

    [Fact]
    public void Qemu_legacy_cap_has_no_first_stage_1GiB_pages_nor_5_level_nor_posted_interrupts()
    {
        // bits 63:56 of 0x00d2008c222f0606 are 0x00: FS1GP (56), PI (59), FS5LP (60) clear.
        var vtd = Decode(LegacyCap, LegacyEcap);
        Assert.False(vtd.FirstStage1GiBPages);
        Assert.False(vtd.PostedInterrupts);
        Assert.False(vtd.FirstStage5LevelPaging);
    }

    [Fact]
    public void Qemu_legacy_ecap_reports_queued_invalidation_interrupt_remapping_and_pass_through_only()
    {
        // ecap 0xf00f4a: low byte 0x4a = 0b0100_1010 -> QI (1), IR (3), PT (6); C (0), DT (2), EIM (4), SC (7) clear;
        // IRO = bits 17:8 = 0x00f -> 0xf0; bits 63:24 are 0: no NEST, PRS, SRS, PASID, SMTS, SSADS, SSTS, FSTS.
        var vtd = Decode(LegacyCap, LegacyEcap);
        Assert.True(vtd.QueuedInvalidation);
        Assert.True(vtd.InterruptRemapping);
        Assert.True(vtd.PassThrough);
        Assert.False(vtd.PageWalkCoherency);
        Assert.False(vtd.DeviceTlb);
        Assert.False(vtd.ExtendedInterruptMode);
        Assert.False(vtd.SnoopControl);
        Assert.Equal(0xf0, vtd.IotlbRegisterOffset);
        Assert.False(vtd.Nesting);
        Assert.False(vtd.PageRequests);
        Assert.False(vtd.SupervisorRequests);
        Assert.False(vtd.Pasid);
        Assert.Equal(0, vtd.PasidBits);
        Assert.False(vtd.ScalableMode);
        Assert.False(vtd.SecondStageDirtyTracking);
        Assert.False(vtd.SecondStageTranslation);
        Assert.False(vtd.FirstStageTranslation);
    }

    [Fact]
    public void Qemu_scalable_reports_scalable_mode_second_stage_and_supervisor_requests_but_no_first_stage_or_nesting()
    {
        // ecap 0x480080f00f4a: bits 47:32 = 0x4800 -> bit 43 (SMTS) and bit 46 (SSTS/SLTS);
        // bits 31:24 = 0x80 -> bit 31 (SRS); bit 47 (FSTS), 26 (NEST), 40 (PASID), 45 (SSADS) clear.
        var vtd = Decode(LegacyCap, ScalableEcap);
        Assert.True(vtd.ScalableMode);
        Assert.True(vtd.SecondStageTranslation);
        Assert.True(vtd.SupervisorRequests);
        Assert.False(vtd.FirstStageTranslation);
        Assert.False(vtd.Nesting);
        Assert.False(vtd.Pasid);
        Assert.False(vtd.SecondStageDirtyTracking);
        Assert.False(vtd.FirstStage1GiBPages); // same cap as legacy: bit 56 clear
    }

    [Fact]
    public void Qemu_scalable_flts_reports_first_stage_and_1GiB_first_stage_pages()
    {
        // cap 0x01d2008c222f0606: bits 63:56 = 0x01 -> FS1GP (bit 56); the rest as legacy.
        // ecap 0x880000f00f4a: bits 47:32 = 0x8800 -> bit 43 (SMTS) and bit 47 (FSTS/FLTS); bit 46 (SSTS) and 31 (SRS) clear.
        var vtd = Decode(FltsCap, FltsEcap);
        Assert.True(vtd.FirstStage1GiBPages);
        Assert.True(vtd.ScalableMode);
        Assert.True(vtd.FirstStageTranslation);
        Assert.False(vtd.SecondStageTranslation);
        Assert.False(vtd.SupervisorRequests);
        Assert.False(vtd.Nesting);
        Assert.Equal([39, 48], vtd.SupportedAddressWidths);
    }

    [Fact]
    public void Pasid_width_is_pss_plus_one_only_when_pasid_is_set()
    {
        // PSS = bits 39:35 = 19 (a 20-bit PASID, what Intel server parts report); PASID = bit 40.
        const ulong pss19 = 19UL << 35;
        Assert.Equal(20, Decode(LegacyCap, pss19 | 1UL << 40).PasidBits);
        Assert.Equal(0, Decode(LegacyCap, pss19).PasidBits);
        Assert.Equal(19u, Decode(LegacyCap, pss19).Pss);
    }

    [Fact]
    public void Nesting_dirty_tracking_and_57_bit_width_come_from_their_own_bits()
    {
        // NEST = ecap bit 26, SSADS = ecap bit 45, SAGAW bit 3 (cap bit 11) = 57-bit.
        var vtd = Decode(1UL << 11, 1UL << 26 | 1UL << 45);
        Assert.True(vtd.Nesting);
        Assert.True(vtd.SecondStageDirtyTracking);
        Assert.Equal([57], vtd.SupportedAddressWidths);
        Assert.Equal(16, vtd.NumberOfDomains); // ND 0 -> 2^4
    }

    [Fact]
    public void Errata_flag_is_decoded()
    {
        Assert.True(Decode(LegacyCap, LegacyEcap, flags: 1).Errata772415Spr17);
        Assert.False(Decode(LegacyCap, LegacyEcap, flags: 0).Errata772415Spr17);
    }

    [Fact]
    public void Equal_registers_make_equal_capabilities()
    {
        Assert.Equal(Decode(LegacyCap, LegacyEcap), new VtdCapabilities(LegacyCap, LegacyEcap, 0));
        Assert.NotEqual(Decode(LegacyCap, LegacyEcap), Decode(LegacyCap, ScalableEcap));
    }
}
