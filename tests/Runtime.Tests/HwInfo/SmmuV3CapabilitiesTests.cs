using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>SMMUv3 ID registers measured in our 7.3 aarch64 guest on QEMU 10.0.2 virt (DESIGN.md §4b),
/// decoded by hand from ARM IHI 0070 §6.3.1 (IDR0), §6.3.2 (IDR1), §6.3.4 (IDR3), §6.3.6 (IDR5).
/// IDR2, IDR4, IIDR and AIDR were not recorded and are 0 here.</summary>
public sealed class SmmuV3CapabilitiesTests
{
    private const uint QemuIdr0 = 0x0d44101b;
    private const uint QemuIdr1 = 0x02730010;
    private const uint QemuIdr3 = 0x1414;
    private const uint QemuIdr5 = 0x74;

    private static SmmuV3Capabilities Decode(uint idr0 = 0, uint idr1 = 0, uint idr3 = 0, uint idr5 = 0, uint iidr = 0, uint aidr = 0, uint flags = 0)
    {
        var data = HwInfoData.SmmuV3([idr0, idr1, 0, idr3, 0, idr5], iidr, aidr, flags);
        var info = HwInfo.Decode(iommu_hw_info_type.IOMMU_HW_INFO_TYPE_ARM_SMMUV3, data, 0, 0);
        Assert.Null(info.Vtd);
        Assert.Null(info.Amd);
        return Assert.IsType<SmmuV3Capabilities>(info.SmmuV3);
    }

    private static SmmuV3Capabilities Qemu() => Decode(QemuIdr0, QemuIdr1, QemuIdr3, QemuIdr5);

    [Fact]
    public void Qemu_virt_idr0_reports_both_stages_aarch64_tables_coherent_access_and_16_bit_asid_vmid()
    {
        // IDR0 0x0d44101b, nibbles from bit 0: b=1011 -> S2P (0), S1P (1), TTF bits 3:2 = 0b10 (AArch64);
        // 1=0001 (bits 7:4) -> COHACC (4), no BTM (5), HTTU bits 7:6 = 0; 0 (bits 11:8) -> no HYP, no ATS;
        // 1 (bits 15:12) -> ASID16 (12), no MSI (13), no SEV (14); 4 (bits 19:16) -> VMID16 (18), no PRI (16), no CD2L (19).
        var smmu = Qemu();
        Assert.True(smmu.Stage2);
        Assert.True(smmu.Stage1);
        Assert.Equal(SmmuTranslationTableFormats.AArch64, smmu.TranslationTableFormats);
        Assert.True(smmu.CoherentAccess);
        Assert.False(smmu.BroadcastTlbMaintenance);
        Assert.Equal(SmmuHardwareTableUpdate.None, smmu.HardwareTableUpdate);
        Assert.False(smmu.Hypervisor);
        Assert.False(smmu.Ats);
        Assert.True(smmu.Asid16);
        Assert.False(smmu.Msi);
        Assert.False(smmu.Sev);
        Assert.True(smmu.Vmid16);
        Assert.False(smmu.Pri);
        Assert.False(smmu.TwoLevelContextDescriptorTable);
    }

    [Fact]
    public void Qemu_virt_idr0_reports_little_endian_walks_terminate_only_and_a_two_level_stream_table()
    {
        // IDR0 bits 23:20 = 0x4 -> TTENDIAN bits 22:21 = 0b10 (little); bits 27:24 = 0xd = 1101 ->
        // STALL_MODEL bits 25:24 = 0b01 (terminate only), TERM_MODEL (26) = 1, ST_LEVEL bits 28:27 = 0b01 (2-level).
        var smmu = Qemu();
        Assert.Equal(SmmuTableEndianness.Little, smmu.TableEndianness);
        Assert.Equal(SmmuStallModel.TerminateOnly, smmu.StallModel);
        Assert.True(smmu.TerminateAlwaysAborts);
        Assert.True(smmu.TwoLevelStreamTable);
    }

    [Fact]
    public void Qemu_virt_idr1_reports_16_bit_stream_ids_no_substreams_and_2_pow_19_entry_queues()
    {
        // IDR1 0x02730010: SIDSIZE bits 5:0 = 0x10 = 16; SSIDSIZE bits 10:6 = 0 (no PASID); PRIQS bits 15:11 = 0;
        // EVENTQS bits 20:16 = 0x273 & 0x1f = 0b10011 = 19; CMDQS bits 25:21 = 0x273 >> 5 = 0b10011 = 19; bits 31:26 = 0.
        var smmu = Qemu();
        Assert.Equal(16, smmu.StreamIdBits);
        Assert.Equal(0, smmu.SubstreamIdBits);
        Assert.Equal(0, smmu.PriQueueLog2Entries);
        Assert.Equal(19, smmu.EventQueueLog2Entries);
        Assert.Equal(19, smmu.CommandQueueLog2Entries);
        Assert.False(smmu.TablesPreset);
        Assert.False(smmu.QueuesPreset);
        Assert.False(smmu.RelativeBasePointers);
    }

    [Fact]
    public void Qemu_virt_idr3_reports_range_invalidation_and_bbml2_but_no_forced_write_back()
    {
        // IDR3 0x1414 = 0b1_0100_0001_0100: HAD (2), XNX (4), RIL (10), BBML bits 12:11 = 0b10 = 2; FWB (8), STT (9) clear.
        var smmu = Qemu();
        Assert.True(smmu.RangeInvalidation);
        Assert.Equal(2, smmu.BreakBeforeMakeLevel);
        Assert.True(smmu.HierarchicalAttributeDisable);
        Assert.True(smmu.Stage2ExecuteNeverPerLevel);
        Assert.False(smmu.Stage2ForcedWriteBack);
        Assert.False(smmu.SmallTranslationTables);
    }

    [Fact]
    public void Qemu_virt_idr5_reports_44_bit_output_addresses_and_all_three_granules()
    {
        // IDR5 0x74 = 0b0111_0100: OAS bits 2:0 = 0b100 -> 44 bits; GRAN4K (4), GRAN16K (5), GRAN64K (6); VAX bits 11:10 = 0 -> 48-bit VA.
        var smmu = Qemu();
        Assert.Equal(44, smmu.OutputAddressBits);
        Assert.True(smmu.Granule4K);
        Assert.True(smmu.Granule16K);
        Assert.True(smmu.Granule64K);
        Assert.Equal(48, smmu.VirtualAddressBits);
        Assert.Equal(0, smmu.StallMax);
    }

    [Theory]
    [InlineData(0u, 32)]
    [InlineData(1u, 36)]
    [InlineData(2u, 40)]
    [InlineData(3u, 42)]
    [InlineData(5u, 48)]
    [InlineData(6u, 52)]
    public void Output_address_size_follows_the_oas_encoding(uint oas, int bits) =>
        Assert.Equal(bits, Decode(idr5: oas).OutputAddressBits);

    [Fact]
    public void Reserved_oas_encoding_decodes_to_null() => Assert.Null(Decode(idr5: 7).OutputAddressBits);

    [Fact]
    public void Httu_ats_pri_and_both_table_formats_come_from_their_own_bits()
    {
        // TTF 0b11 (bits 3:2), HTTU 0b10 (bits 7:6), ATS (10), PRI (16), BTM (5), SSIDSIZE 20 (bits 10:6).
        var smmu = Decode(idr0: 0b11u << 2 | 0b10u << 6 | 1u << 10 | 1u << 16 | 1u << 5, idr1: 20u << 6);
        Assert.Equal(SmmuTranslationTableFormats.AArch32 | SmmuTranslationTableFormats.AArch64, smmu.TranslationTableFormats);
        Assert.Equal(SmmuHardwareTableUpdate.AccessFlagAndDirty, smmu.HardwareTableUpdate);
        Assert.True(smmu.Ats);
        Assert.True(smmu.Pri);
        Assert.True(smmu.BroadcastTlbMaintenance);
        Assert.Equal(20, smmu.SubstreamIdBits);
        Assert.False(smmu.TwoLevelStreamTable); // ST_LEVEL 0: linear
    }

    [Fact]
    public void Iidr_and_aidr_decode_implementer_product_and_architecture_revision()
    {
        // IIDR: ProductID 0x483 (bits 31:20), Variant 1 (19:16), Revision 2 (15:12), Implementer 0x43b (ARM, 11:0).
        // AIDR 0x02: ArchMajorRev 0 (v3), ArchMinorRev 2 -> SMMUv3.2.
        var smmu = Decode(iidr: 0x483u << 20 | 1u << 16 | 2u << 12 | 0x43b, aidr: 0x02);
        Assert.Equal(0x43b, smmu.Implementer);
        Assert.Equal(0x483, smmu.ProductId);
        Assert.Equal("r1p2", smmu.ProductRevision);
        Assert.Equal(new Version(3, 2), smmu.ArchitectureVersion);
        Assert.Null(Decode(aidr: 0x10).ArchitectureVersion); // ArchMajorRev 1 is not v3
    }

    [Fact]
    public void Errata_flag_is_decoded()
    {
        Assert.True(Decode(flags: 1).ErrataRepeatTlbiCfgi);
        Assert.False(Decode(flags: 0).ErrataRepeatTlbiCfgi);
    }

    [Fact]
    public void Idr_registers_land_in_their_own_properties()
    {
        // Distinct values per slot catch an off-by-one in the idr[6] indexing.
        var data = HwInfoData.SmmuV3([10, 11, 12, 13, 14, 15], iidr: 16, aidr: 17, flags: 1);
        var smmu = HwInfo.Decode(iommu_hw_info_type.IOMMU_HW_INFO_TYPE_ARM_SMMUV3, data, 0, 0).SmmuV3!;
        Assert.Equal(new SmmuV3Capabilities(
            iommu_hw_info_arm_smmuv3_flags.IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI, 10, 11, 12, 13, 14, 15, 16, 17), smmu);
    }
}
