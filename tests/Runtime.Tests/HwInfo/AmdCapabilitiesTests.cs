using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>AMD EFR/EFR2 decoding. No AMD register set has been measured on our kernels yet (no emulated
/// AMD IOMMU reports hw_info in our tiers), so these values are composed by hand from the AMD IOMMU
/// spec 48882 rev 3.10 EFR (MMIO 0030h) and EFR2 (MMIO 01A0h) tables; each test says which bits.</summary>
public sealed class AmdCapabilitiesTests
{
    private static AmdCapabilities Decode(ulong efr, ulong efr2 = 0)
    {
        var info = HwInfo.Decode(iommu_hw_info_type.IOMMU_HW_INFO_TYPE_AMD, HwInfoData.Amd(efr, efr2), 0, 0);
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

    [Fact]
    public void Feature_bits_come_from_their_own_positions()
    {
        // PPRSup 1, NXSup 3, GASup 7, GAMSup bit 21, GIoSup 48, HASup 49, EPHSup 50, HDSup 52, SNPSup 63.
        var amd = Decode(1UL << 1 | 1UL << 3 | 1UL << 7 | 1UL << 21 | 1UL << 48 | 1UL << 49 | 1UL << 50 | 1UL << 52 | 1UL << 63);
        Assert.True(amd.PeripheralPageRequests);
        Assert.True(amd.NoExecute);
        Assert.True(amd.GuestVirtualApic);
        Assert.True(amd.GuestVirtualApicMode);
        Assert.True(amd.GuestIoProtection);
        Assert.True(amd.HostAccessBitUpdate);
        Assert.True(amd.EnhancedPprHandling);
        Assert.True(amd.HostDirtyBitUpdate);
        Assert.True(amd.SevSnp);
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
