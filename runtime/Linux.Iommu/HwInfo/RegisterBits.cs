namespace Linux.Iommu;

/// <summary>Field extraction for the hardware registers that IOMMU_GET_HW_INFO passes through raw;
/// positions are written as the specifications write them (low bit, width).</summary>
internal static class RegisterBits
{
    /// <summary>Bits [low + width - 1 : low] of <paramref name="register"/>.</summary>
    public static uint Field(ulong register, int low, int width) => (uint)((register >> low) & ((1UL << width) - 1));

    /// <summary>Bit <paramref name="bit"/> of <paramref name="register"/>.</summary>
    public static bool Bit(ulong register, int bit) => ((register >> bit) & 1) != 0;
}
