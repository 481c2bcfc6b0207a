using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>VT-d registers measured in our 7.3 guest under QEMU 10.0.2 and QEMU 7.2, decoded by hand from
/// the VT-d spec rev 4.x §11.4.2 (CAP) and §11.4.3 (ECAP): each row says where its bits are.</summary>
public sealed class VtdCapabilitiesTests
{
    // intel-iommu,intremap=on on QEMU 10.0.2 (aw-bits defaults to 48 from QEMU 9.0)
    private const ulong LegacyCap = 0xd2008c222f0606;
    // the same on QEMU 7.2 (Debian bookworm's own QEMU; aw-bits defaults to 39 there); same ecap
    private const ulong Qemu72LegacyCap = 0xd2008c22260206;
    private const ulong LegacyEcap = 0xf00f4a;
    // +x-scalable-mode=on: same cap
    private const ulong ScalableEcap = 0x480080f00f4a;
    // +x-scalable-mode=on,x-flts=on
    private const ulong FltsCap = 0x1d2008c222f0606;
    private const ulong FltsEcap = 0x880000f00f4a;

    private static VtdCapabilities Decode(ulong cap, ulong ecap, uint flags = 0)
    {
        var info = HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(cap, ecap, flags), 0, 0);
        Assert.Null(info.SmmuV3);
        Assert.Null(info.Amd);
        return Assert.IsType<VtdCapabilities>(info.Vtd);
    }

    /// <summary>The register sets the rows below name.</summary>
    private static (ulong Cap, ulong Ecap) Registers(string name) => name switch
    {
        "QEMU 10 legacy" => (LegacyCap, LegacyEcap),
        "QEMU 7.2 legacy" => (Qemu72LegacyCap, LegacyEcap),
        "QEMU 10 scalable" => (LegacyCap, ScalableEcap),
        "QEMU 10 scalable-flts" => (FltsCap, FltsEcap),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    /// <summary>Each measured register set, field by field: (register set, field, decoded value, where the bits are).</summary>
    public static TheoryData<string, string, object, string> MeasuredFields => new()
    {
        // cap 0x00d2008c222f0606
        { "QEMU 10 legacy", nameof(VtdCapabilities.Sagaw), 0x06u, "SAGAW = cap bits 12:8 = 0b00110: bit 1 (39-bit) and bit 2 (48-bit)" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.MaxGuestAddressWidth), 48, "MGAW = cap bits 21:16 = 0x2f = 47, plus one" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SecondStage2MiBPages), true, "SLLPS = cap bits 37:34 = (0x8c22 >> 10) & 0xf = 0b0011: bit 0" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SecondStage1GiBPages), true, "SLLPS bit 1" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.NumberOfDomains), 65536, "ND = cap bits 2:0 = 6: 2^(4 + 2*6)" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.CachingMode), false, "CM = cap bit 7 of 0x06" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.FaultRecordingOffset), 0x220, "FRO = cap bits 33:24 = 0x022, times 16" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.FaultRecordingRegisters), 1, "NFR = cap bits 47:40 = 0x00, plus one" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PageSelectiveInvalidation), true, "PSI = cap bit 39, the top bit of 0x8c" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.MaxAddressMaskValue), 18, "MAMV = cap bits 53:48 = 0xd2 & 0x3f" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.ZeroLengthRead), false, "ZLR = cap bit 22, in 0x2f" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.RequiresWriteBufferFlush), false, "RWBF = cap bit 4 of 0x06" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.FirstStage1GiBPages), false, "FS1GP = cap bit 56; bits 63:56 are 0x00" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PostedInterrupts), false, "PI = cap bit 59" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.FirstStage5LevelPaging), false, "FS5LP = cap bit 60" },
        // ecap 0xf00f4a: low byte 0x4a = 0b0100_1010; bits 63:24 are 0
        { "QEMU 10 legacy", nameof(VtdCapabilities.QueuedInvalidation), true, "QI = ecap bit 1 of 0x4a" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.InterruptRemapping), true, "IR = ecap bit 3" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PassThrough), true, "PT = ecap bit 6" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PageWalkCoherency), false, "C = ecap bit 0" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.DeviceTlb), false, "DT = ecap bit 2" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.ExtendedInterruptMode), false, "EIM = ecap bit 4" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SnoopControl), false, "SC = ecap bit 7" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.IotlbRegisterOffset), 0xf0, "IRO = ecap bits 17:8 = 0x00f, times 16" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.Nesting), false, "NEST = ecap bit 26" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PageRequests), false, "PRS = ecap bit 29" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SupervisorRequests), false, "SRS = ecap bit 31" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.Pasid), false, "PASID = ecap bit 40" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.PasidBits), 0, "no PASID: no width" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.ScalableMode), false, "SMTS = ecap bit 43" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SecondStageDirtyTracking), false, "SSADS = ecap bit 45" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.SecondStageTranslation), false, "SSTS = ecap bit 46" },
        { "QEMU 10 legacy", nameof(VtdCapabilities.FirstStageTranslation), false, "FSTS = ecap bit 47" },
        // QEMU 7.2's cap 0x00d2008c22260206 differs from 10.0.2's only in bits 21:8
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.Sagaw), 0x02u, "SAGAW = cap bits 12:8 = 0x02: bit 1 (39-bit) only" },
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.MaxGuestAddressWidth), 39, "MGAW = cap bits 21:16 = 0x26 = 38, plus one" },
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.SecondStage2MiBPages), true, "SLLPS unchanged (0b11)" },
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.SecondStage1GiBPages), true, "SLLPS unchanged (0b11)" },
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.NumberOfDomains), 65536, "ND unchanged (6)" },
        { "QEMU 7.2 legacy", nameof(VtdCapabilities.FaultRecordingOffset), 0x220, "FRO unchanged (0x22)" },
        // +x-scalable-mode=on: same cap; ecap 0x480080f00f4a: bits 47:32 = 0x4800, bits 31:24 = 0x80
        { "QEMU 10 scalable", nameof(VtdCapabilities.ScalableMode), true, "SMTS = ecap bit 43 (0x4800)" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.SecondStageTranslation), true, "SSTS = ecap bit 46 (0x4800)" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.SupervisorRequests), true, "SRS = ecap bit 31 (0x80)" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.FirstStageTranslation), false, "FSTS = ecap bit 47" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.Nesting), false, "NEST = ecap bit 26" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.Pasid), false, "PASID = ecap bit 40" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.SecondStageDirtyTracking), false, "SSADS = ecap bit 45" },
        { "QEMU 10 scalable", nameof(VtdCapabilities.FirstStage1GiBPages), false, "same cap as legacy: bit 56 clear" },
        // +x-flts=on: cap 0x01d2008c222f0606 (bits 63:56 = 0x01), ecap 0x880000f00f4a (bits 47:32 = 0x8800)
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.FirstStage1GiBPages), true, "FS1GP = cap bit 56" },
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.ScalableMode), true, "SMTS = ecap bit 43 (0x8800)" },
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.FirstStageTranslation), true, "FSTS = ecap bit 47 (0x8800)" },
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.SecondStageTranslation), false, "SSTS = ecap bit 46" },
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.SupervisorRequests), false, "SRS = ecap bit 31" },
        { "QEMU 10 scalable-flts", nameof(VtdCapabilities.Nesting), false, "NEST = ecap bit 26" },
    };

    [Theory]
    [MemberData(nameof(MeasuredFields))]
    public void Measured_registers_decode_field_by_field(string registers, string field, object expected, string bits)
    {
        var (cap, ecap) = Registers(registers);
        DecodedField.AssertEqual(Decode(cap, ecap), field, expected, bits);
    }

    [Theory]
    [InlineData("QEMU 10 legacy", new[] { 39, 48 })]
    [InlineData("QEMU 7.2 legacy", new[] { 39 })]
    [InlineData("QEMU 10 scalable-flts", new[] { 39, 48 })]
    public void Supported_address_widths_are_the_sagaw_bits(string registers, int[] widths)
    {
        var (cap, ecap) = Registers(registers);
        Assert.Equal(widths, Decode(cap, ecap).SupportedAddressWidths);
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
