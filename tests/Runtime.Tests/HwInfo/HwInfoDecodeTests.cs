using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>HwInfo.Decode picks the decoder by type, keeps the raw data, refuses short data and describes the result.</summary>
public sealed class HwInfoDecodeTests
{
    private static readonly byte[] QemuLegacyVtd = HwInfoData.Vtd(0xd2008c222f0606, 0xf00f4a, flags: 1);
    private static readonly byte[] QemuVirtSmmu = HwInfoData.SmmuV3([0x0d44101b, 0x02730010, 0, 0x1414, 0, 0x74]);

    [Fact]
    public void Selftest_mock_type_decodes_to_raw_data_only()
    {
        // drivers/iommu/iommufd/iommufd_test.h: IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef,
        // struct iommu_test_hw_info { __u32 flags; __u32 test_reg; } with test_reg = 0xdeadbeef.
        byte[] data = [0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde];
        var info = HwInfo.Decode((HwInfoType)0xfeedbeef, data, 0, 0);
        Assert.Null(info.Vtd);
        Assert.Null(info.SmmuV3);
        Assert.Null(info.Amd);
        Assert.Equal(data, info.Data.ToArray());
        Assert.Contains("unknown type 0xfeedbeef", info.Describe());
        Assert.Contains("00000000efbeadde", info.Describe());
    }

    [Fact]
    public void No_data_type_decodes_without_error()
    {
        var info = HwInfo.Decode(HwInfoType.None, [], 0, 0);
        Assert.True(info.Data.IsEmpty);
        Assert.Null(info.Vtd);
        Assert.Contains("IOMMU_HW_INFO_TYPE_NONE", info.Describe());
    }

    [Fact]
    public void Tegra241_cmdqv_is_kept_raw()
    {
        var info = HwInfo.Decode(HwInfoType.Tegra241Cmdqv, new byte[16], 0, 0);
        Assert.Null(info.SmmuV3);
        Assert.Equal(16, info.Data.Length);
    }

    [Theory]
    [InlineData(HwInfoType.IntelVtd, 16, 24)]
    [InlineData(HwInfoType.ArmSmmuV3, 39, 40)]
    [InlineData(HwInfoType.Amd, 8, 16)]
    [InlineData(HwInfoType.IntelVtd, 0, 24)]
    public void Data_shorter_than_the_type_needs_is_refused_naming_the_type_and_both_lengths(HwInfoType type, int length, int needed)
    {
        var error = Assert.Throws<ArgumentException>(() => HwInfo.Decode(type, new byte[length], 0, 0));
        Assert.Equal("data", error.ParamName);
        Assert.Contains(type.ToString(), error.Message);
        Assert.Contains($"is {length} bytes", error.Message);
        Assert.Contains($"the {needed} bytes", error.Message);
    }

    [Fact]
    public void Data_longer_than_the_struct_decodes_the_known_prefix()
    {
        // A newer kernel may append fields; the known prefix decodes as before.
        var longer = QemuLegacyVtd.Concat(new byte[8]).ToArray();
        var info = HwInfo.Decode(HwInfoType.IntelVtd, longer, 0, 0);
        Assert.Equal(new VtdCapabilities(0xd2008c222f0606, 0xf00f4a, VtdFlags.Errata772415Spr17), info.Vtd);
        Assert.Equal(32, info.Data.Length);
    }

    [Fact]
    public void Generic_capabilities_and_pasid_width_are_kept()
    {
        const HwCapabilities caps = HwCapabilities.DirtyTracking | HwCapabilities.PciPasidExec;
        var info = HwInfo.Decode(HwInfoType.IntelVtd, QemuLegacyVtd, (ulong)caps, 20);
        Assert.Equal(HwInfoType.IntelVtd, info.Type);
        Assert.Equal(caps, info.Capabilities);
        Assert.Equal(20, info.MaxPasidLog2);
        Assert.Contains("IOMMU_HW_CAP_DIRTY_TRACKING", info.Describe());
        Assert.Contains("max PASID width: 20 bits", info.Describe());
    }

    [Fact]
    public void Capability_bits_beyond_the_32_bit_enum_are_kept_and_shown()
    {
        var dirty = (ulong)HwCapabilities.DirtyTracking;
        var info = HwInfo.Decode(HwInfoType.IntelVtd, QemuLegacyVtd, 1UL << 40 | dirty, 0);

        Assert.Equal(1UL << 40 | dirty, info.CapabilityBits);
        Assert.Equal(HwCapabilities.DirtyTracking, info.Capabilities);
        Assert.Contains("generic capabilities: IOMMU_HW_CAP_DIRTY_TRACKING, unknown bits 0x10000000000;", info.Describe());
        Assert.NotEqual(HwInfo.Decode(HwInfoType.IntelVtd, QemuLegacyVtd, dirty, 0), info);
    }

    [Fact]
    public void Data_is_a_copy_of_the_callers_buffer()
    {
        var buffer = (byte[])QemuLegacyVtd.Clone();
        var info = HwInfo.Decode(HwInfoType.IntelVtd, buffer, 0, 0);
        Array.Clear(buffer);
        Assert.Equal(QemuLegacyVtd, info.Data.ToArray());
    }

    [Fact]
    public void Vtd_description_states_the_facts_a_planner_refuses_on()
    {
        var text = HwInfo.Decode(HwInfoType.IntelVtd, QemuLegacyVtd, 0, 0).Describe();
        Assert.Contains("Intel VT-d (IOMMU_HW_INFO_TYPE_INTEL_VTD)", text);
        Assert.Contains("cap 0x00d2008c222f0606, ecap 0x0000000000f00f4a", text);
        Assert.Contains("IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17", text);
        Assert.Contains("address widths (SAGAW): 39, 48 bits", text);
        Assert.Contains("nesting (NEST): no", text);
        Assert.Contains("scalable mode (SMTS): no", text);
        Assert.Contains("second-stage large pages (SLLPS): 2 MiB, 1 GiB", text);
        Assert.Contains("PASID: no", text);
        Assert.Contains("generic capabilities: none", text);
        Assert.True(text.Split('\n').Length >= 7, text);
    }

    [Fact]
    public void Smmu_description_states_stages_output_size_and_granules()
    {
        var text = HwInfo.Decode(HwInfoType.ArmSmmuV3, QemuVirtSmmu, 0, 0).Describe();
        Assert.Contains("ARM SMMUv3 (IOMMU_HW_INFO_TYPE_ARM_SMMUV3)", text);
        Assert.Contains("stage 1 (S1P): yes; stage 2 (S2P): yes; table formats (TTF): AArch64", text);
        Assert.Contains("output address size (OAS): 44 bits; granules: 4K, 16K, 64K", text);
        Assert.Contains("SubstreamID (SSIDSIZE): 0 bits", text);
        Assert.Contains("IDR0 0x0d44101b", text);
    }

    [Fact]
    public void Amd_description_states_guest_translation()
    {
        var text = HwInfo.Decode(HwInfoType.Amd, HwInfoData.Amd(1UL << 4, 0), 0, 0).Describe();
        Assert.Contains("AMD IOMMU (IOMMU_HW_INFO_TYPE_AMD)", text);
        Assert.Contains("guest translation (GT): yes", text);
    }

    [Fact]
    public void ToString_is_the_description()
    {
        var info = HwInfo.Decode(HwInfoType.ArmSmmuV3, QemuVirtSmmu, 0, 0);
        Assert.Equal(info.Describe(), info.ToString());
        Assert.Equal(info.SmmuV3!.Describe(), info.SmmuV3.ToString());
    }

    [Fact]
    public void Equal_when_the_same_bytes_are_decoded()
    {
        var first = HwInfo.Decode(HwInfoType.IntelVtd, QemuLegacyVtd, 0, 0);
        var second = HwInfo.Decode(HwInfoType.IntelVtd, (byte[])QemuLegacyVtd.Clone(), 0, 0);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0xd2008c222f0606, 0x480080f00f4a, 1), 0, 0));
    }
}
