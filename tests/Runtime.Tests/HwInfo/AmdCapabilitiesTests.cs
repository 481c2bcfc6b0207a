using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>AMD EFR/EFR2 decoding. No AMD register set has been measured on our kernels yet (no emulated
/// AMD IOMMU reports hw_info in our tiers), so these values are composed by hand from the AMD IOMMU
/// spec 48882 rev 3.10 EFR (MMIO 0030h) and EFR2 (MMIO 01A0h) tables; each test says which bits.</summary>
public sealed class AmdCapabilitiesTests
{
    private static AmdCapabilities Decode(ulong efr, ulong efr2 = 0)
    {
        var info = HwInfo.Decode(HwInfoType.Amd, HwInfoData.Amd(efr, efr2), 0, 0);
        Assert.Null(info.Vtd);
        Assert.Null(info.SmmuV3);
        return Assert.IsType<AmdCapabilities>(info.Amd);
    }

    [Fact]
    public void Guest_translation_with_5_level_guest_tables_2_level_gcr3_and_16_bit_pasids()
    {
        // GTSup bit 4; GATS bits 13:12 = 01 (5-level); GLXSup bits 15:14 = 01 (2-level GCR3); PASmax bits 36:32 = 15 -> 16 bits.
        var amd = Decode(1UL << 4 | 1UL << 12 | 1UL << 14 | 15UL << 32);
        Assert.True(amd.GuestTranslation);
        Assert.Equal(5, amd.GuestPageTableLevels);
        Assert.Equal(2, amd.GuestCr3TableLevels);
        Assert.Equal(16, amd.PasidBits);
        Assert.Equal(4, amd.HostPageTableLevels); // HATS 00
    }

    [Fact]
    public void Host_translation_levels_follow_hats_and_hats_3_means_unusable()
    {
        // HATS bits 11:10: 00 -> 4 levels, 01 -> 5, 10 -> 6, 11 -> host translation disabled (kernel amd/init.c).
        Assert.Equal(5, Decode(1UL << 10).HostPageTableLevels);
        Assert.Equal(6, Decode(2UL << 10).HostPageTableLevels);
        Assert.Null(Decode(3UL << 10).HostPageTableLevels);
    }

    [Fact]
    public void Reserved_gats_decodes_to_null() => Assert.Null(Decode(2UL << 12).GuestPageTableLevels);

    /// <summary>Each EFR feature bit set alone: its own property turns on, and GuestTranslation (bit 4) stays off.</summary>
    [Theory]
    [InlineData(nameof(AmdCapabilities.PeripheralPageRequests), 1)]   // PPRSup
    [InlineData(nameof(AmdCapabilities.NoExecute), 3)]                // NXSup
    [InlineData(nameof(AmdCapabilities.GuestVirtualApic), 7)]         // GASup
    [InlineData(nameof(AmdCapabilities.GuestVirtualApicMode), 21)]    // GAMSup (bits 23:21, its low bit)
    [InlineData(nameof(AmdCapabilities.GuestIoProtection), 48)]       // GIoSup
    [InlineData(nameof(AmdCapabilities.HostAccessBitUpdate), 49)]     // HASup
    [InlineData(nameof(AmdCapabilities.EnhancedPprHandling), 50)]     // EPHSup
    [InlineData(nameof(AmdCapabilities.HostDirtyBitUpdate), 52)]      // HDSup
    [InlineData(nameof(AmdCapabilities.SevSnp), 63)]                  // SNPSup
    public void Feature_bit_comes_from_its_own_position(string field, int bit)
    {
        var amd = Decode(1UL << bit);
        DecodedField.AssertEqual(amd, field, true, $"EFR bit {bit}");
        Assert.False(amd.GuestTranslation);
        Assert.False(amd.X2Apic);
    }

    [Fact]
    public void Efr2_is_decoded_from_the_second_register()
    {
        // EFR2: SEVSNPIOSup bit 1, GCR3TRPModeSup bit 3; the same bits in EFR mean XTSup/NXSup, not these.
        var amd = Decode(efr: 0, efr2: 1UL << 1 | 1UL << 3);
        Assert.True(amd.SevSnpIo);
        Assert.True(amd.Gcr3TrpMode);
        Assert.False(amd.NoExecute);
        Assert.Equal(1UL << 1 | 1UL << 3, amd.Efr2);
    }
}
