using System.Buffers.Binary;

namespace Linux.Iommu.Tests;

/// <summary>IOMMU_GET_HW_INFO data buffers laid out by hand from linux/iommufd.h (7.3), little-endian,
/// so the decoder's own struct reading is under test too.</summary>
internal static class HwInfoData
{
    /// <summary>struct iommu_hw_info_vtd: flags @0, __reserved @4, cap_reg @8, ecap_reg @16; 24 bytes.</summary>
    public static byte[] Vtd(ulong cap, ulong ecap, uint flags = 0)
    {
        var data = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(0), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), cap);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16), ecap);
        return data;
    }

    /// <summary>struct iommu_hw_info_arm_smmuv3: flags @0, __reserved @4, idr[6] @8, iidr @32, aidr @36; 40 bytes.</summary>
    public static byte[] SmmuV3(uint[] idr, uint iidr = 0, uint aidr = 0, uint flags = 0)
    {
        Assert.Equal(6, idr.Length);
        var data = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(0), flags);
        for (var i = 0; i < idr.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8 + 4 * i), idr[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(32), iidr);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(36), aidr);
        return data;
    }

    /// <summary>struct iommu_hw_info_amd: efr @0, efr2 @8; 16 bytes.</summary>
    public static byte[] Amd(ulong efr, ulong efr2)
    {
        var data = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(0), efr);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), efr2);
        return data;
    }
}
