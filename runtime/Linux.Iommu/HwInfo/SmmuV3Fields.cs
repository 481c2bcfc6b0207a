namespace Linux.Iommu;

// The multi-bit SMMU_IDR0 fields, values as ARM IHI 0070 §6.3.1 encodes them.

/// <summary>SMMU_IDR0.TTF (bits 3:2): the translation table formats the SMMU walks.</summary>
[Flags]
public enum SmmuTranslationTableFormats
{
    /// <summary>0b00: reserved (no format).</summary>
    None = 0,
    /// <summary>0b01: AArch32 (LPAE) tables.</summary>
    AArch32 = 1,
    /// <summary>0b10: AArch64 tables (0b11: both).</summary>
    AArch64 = 2,
}

/// <summary>SMMU_IDR0.TTENDIAN (bits 22:21): the endianness of translation table walks.</summary>
public enum SmmuTableEndianness
{
    /// <summary>0b00: both, chosen per context.</summary>
    Mixed = 0,
    /// <summary>0b01: reserved.</summary>
    Reserved = 1,
    /// <summary>0b10: little-endian only.</summary>
    Little = 2,
    /// <summary>0b11: big-endian only.</summary>
    Big = 3,
}

/// <summary>SMMU_IDR0.HTTU (bits 7:6): hardware update of the Access flag and dirty state in table entries.</summary>
public enum SmmuHardwareTableUpdate
{
    /// <summary>0b00: none; software manages access and dirty state.</summary>
    None = 0,
    /// <summary>0b01: the Access flag only.</summary>
    AccessFlag = 1,
    /// <summary>0b10: the Access flag and dirty state (what iommufd dirty tracking needs).</summary>
    AccessFlagAndDirty = 2,
    /// <summary>0b11: as 0b10, plus the Access flag in table descriptors (HAFT).</summary>
    AccessFlagDirtyAndTableAccessFlag = 3,
}

/// <summary>SMMU_IDR0.STALL_MODEL (bits 25:24): how faulting transactions may be handled.</summary>
public enum SmmuStallModel
{
    /// <summary>0b00: stall and terminate models both supported.</summary>
    StallAndTerminate = 0,
    /// <summary>0b01: terminate only, no stalling.</summary>
    TerminateOnly = 1,
    /// <summary>0b10: stall is forced (every fault stalls).</summary>
    StallForced = 2,
    /// <summary>0b11: reserved.</summary>
    Reserved = 3,
}
