using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>SMMUv3 ID registers measured in our 7.3 aarch64 guest on QEMU 10.0.2 virt,
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
        var info = HwInfo.Decode(HwInfoType.ArmSmmuV3, data, 0, 0);
        Assert.Null(info.Vtd);
        Assert.Null(info.Amd);
        return Assert.IsType<SmmuV3Capabilities>(info.SmmuV3);
    }

    private static SmmuV3Capabilities Qemu() => Decode(QemuIdr0, QemuIdr1, QemuIdr3, QemuIdr5);

    /// <summary>QEMU 10.0.2 virt's registers, field by field: (field, decoded value, where the bits are).</summary>
    public static TheoryData<string, object, string> QemuVirtFields => new()
    {
        // IDR0 0x0d44101b, nibbles from bit 0: b = 1011, 1 = 0001, 0, 1, 4, 4, d, 0
        { nameof(SmmuV3Capabilities.Stage2), true, "S2P = IDR0 bit 0 (0xb = 1011)" },
        { nameof(SmmuV3Capabilities.Stage1), true, "S1P = IDR0 bit 1" },
        { nameof(SmmuV3Capabilities.TranslationTableFormats), SmmuTranslationTableFormats.AArch64, "TTF = IDR0 bits 3:2 = 0b10" },
        { nameof(SmmuV3Capabilities.CoherentAccess), true, "COHACC = IDR0 bit 4 (bits 7:4 = 0001)" },
        { nameof(SmmuV3Capabilities.BroadcastTlbMaintenance), false, "BTM = IDR0 bit 5" },
        { nameof(SmmuV3Capabilities.HardwareTableUpdate), SmmuHardwareTableUpdate.None, "HTTU = IDR0 bits 7:6 = 0" },
        { nameof(SmmuV3Capabilities.Hypervisor), false, "HYP = IDR0 bit 9 (bits 11:8 = 0)" },
        { nameof(SmmuV3Capabilities.Ats), false, "ATS = IDR0 bit 10" },
        { nameof(SmmuV3Capabilities.Asid16), true, "ASID16 = IDR0 bit 12 (bits 15:12 = 1)" },
        { nameof(SmmuV3Capabilities.Msi), false, "MSI = IDR0 bit 13" },
        { nameof(SmmuV3Capabilities.Sev), false, "SEV = IDR0 bit 14" },
        { nameof(SmmuV3Capabilities.Vmid16), true, "VMID16 = IDR0 bit 18 (bits 19:16 = 4)" },
        { nameof(SmmuV3Capabilities.Pri), false, "PRI = IDR0 bit 16" },
        { nameof(SmmuV3Capabilities.TwoLevelContextDescriptorTable), false, "CD2L = IDR0 bit 19" },
        { nameof(SmmuV3Capabilities.TableEndianness), SmmuTableEndianness.Little, "TTENDIAN = IDR0 bits 22:21 = 0b10 (bits 23:20 = 4)" },
        { nameof(SmmuV3Capabilities.StallModel), SmmuStallModel.TerminateOnly, "STALL_MODEL = IDR0 bits 25:24 = 0b01 (bits 27:24 = 0xd = 1101)" },
        { nameof(SmmuV3Capabilities.TerminateAlwaysAborts), true, "TERM_MODEL = IDR0 bit 26" },
        { nameof(SmmuV3Capabilities.TwoLevelStreamTable), true, "ST_LEVEL = IDR0 bits 28:27 = 0b01 (2-level)" },
        // IDR1 0x02730010
        { nameof(SmmuV3Capabilities.StreamIdBits), 16, "SIDSIZE = IDR1 bits 5:0 = 0x10" },
        { nameof(SmmuV3Capabilities.SubstreamIdBits), 0, "SSIDSIZE = IDR1 bits 10:6 = 0: no PASID" },
        { nameof(SmmuV3Capabilities.PriQueueLog2Entries), 0, "PRIQS = IDR1 bits 15:11 = 0" },
        { nameof(SmmuV3Capabilities.EventQueueLog2Entries), 19, "EVENTQS = IDR1 bits 20:16 = 0x273 & 0x1f = 0b10011" },
        { nameof(SmmuV3Capabilities.CommandQueueLog2Entries), 19, "CMDQS = IDR1 bits 25:21 = 0x273 >> 5 = 0b10011" },
        { nameof(SmmuV3Capabilities.TablesPreset), false, "TABLES_PRESET = IDR1 bit 30 (bits 31:26 = 0)" },
        { nameof(SmmuV3Capabilities.QueuesPreset), false, "QUEUES_PRESET = IDR1 bit 29" },
        { nameof(SmmuV3Capabilities.RelativeBasePointers), false, "REL = IDR1 bit 28" },
        // IDR3 0x1414 = 0b1_0100_0001_0100
        { nameof(SmmuV3Capabilities.HierarchicalAttributeDisable), true, "HAD = IDR3 bit 2" },
        { nameof(SmmuV3Capabilities.Stage2ExecuteNeverPerLevel), true, "XNX = IDR3 bit 4" },
        { nameof(SmmuV3Capabilities.RangeInvalidation), true, "RIL = IDR3 bit 10" },
        { nameof(SmmuV3Capabilities.BreakBeforeMakeLevel), 2, "BBML = IDR3 bits 12:11 = 0b10" },
        { nameof(SmmuV3Capabilities.Stage2ForcedWriteBack), false, "FWB = IDR3 bit 8" },
        { nameof(SmmuV3Capabilities.SmallTranslationTables), false, "STT = IDR3 bit 9" },
        // IDR5 0x74 = 0b0111_0100
        { nameof(SmmuV3Capabilities.OutputAddressBits), 44, "OAS = IDR5 bits 2:0 = 0b100" },
        { nameof(SmmuV3Capabilities.Granule4K), true, "GRAN4K = IDR5 bit 4" },
        { nameof(SmmuV3Capabilities.Granule16K), true, "GRAN16K = IDR5 bit 5" },
        { nameof(SmmuV3Capabilities.Granule64K), true, "GRAN64K = IDR5 bit 6" },
        { nameof(SmmuV3Capabilities.VirtualAddressBits), 48, "VAX = IDR5 bits 11:10 = 0: 48-bit VA" },
        { nameof(SmmuV3Capabilities.StallMax), 0, "STALL_MAX = IDR5 bits 31:16 = 0" },
    };

    [Theory]
    [MemberData(nameof(QemuVirtFields))]
    public void Qemu_virt_registers_decode_field_by_field(string field, object expected, string bits) =>
        DecodedField.AssertEqual(Qemu(), field, expected, bits);

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
        var smmu = HwInfo.Decode(HwInfoType.ArmSmmuV3, data, 0, 0).SmmuV3!;
        Assert.Equal(new SmmuV3Capabilities(
            SmmuV3Flags.ErrataRepeatTlbiCfgi, 10, 11, 12, 13, 14, 15, 16, 17), smmu);
    }
}
