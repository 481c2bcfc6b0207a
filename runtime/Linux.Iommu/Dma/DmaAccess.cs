namespace Linux.Iommu;

/// <summary>What the device may do to mapped memory.</summary>
[Flags]
public enum DmaAccess
{
    /// <summary>The device reads the memory (device ← RAM).</summary>
    Read = 1,
    /// <summary>The device writes the memory (device → RAM).</summary>
    Write = 2,
    /// <summary>Both directions.</summary>
    ReadWrite = Read | Write,
}

/// <summary>A <see cref="DmaAccess"/> as a kernel call's read/write flag bits. Bits DmaAccess does not define are
/// refused rather than dropped: the caller asked for something no flag says.</summary>
internal static class DmaAccessBits
{
    public static uint Flags(DmaAccess access, uint read, uint write)
    {
        Validate(access);
        return ((access & DmaAccess.Read) != 0 ? read : 0) | ((access & DmaAccess.Write) != 0 ? write : 0);
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="access"/> has bits other than Read and Write.</exception>
    public static void Validate(DmaAccess access)
    {
        if ((access & ~DmaAccess.ReadWrite) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(access), access,
                $"DmaAccess 0x{(int)access:x} has unknown bits 0x{(int)(access & ~DmaAccess.ReadWrite):x}: only Read (1) and Write (2) exist");
        }
    }
}
