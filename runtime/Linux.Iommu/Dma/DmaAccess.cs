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
