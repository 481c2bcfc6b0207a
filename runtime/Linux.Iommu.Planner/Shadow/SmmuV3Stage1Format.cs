namespace Linux.Iommu.Planner;

/// <summary>The ARM SMMUv3 stage-1 format: VMSAv8-64 translation tables (Arm ARM D8.3, "Translation table descriptor
/// formats") with a 48-bit output address. Bits 1:0 are 0b11 for a table (or, at the last level, a page) and 0b01 for
/// a block, allowed one level up (2 MiB, 32 MiB, 512 MiB) and, with 4 KiB granules, two (1 GiB); bit 10 AF, bit 7 AP[2]
/// (read-only), bit 62 APTable[1] (no writes below a table entry). A stage-1 entry cannot grant writes without reads.
/// Not modelled: hardware access-flag updates (CD.HA; a leaf with AF clear faults, as with CD.AFFD=0), AP[1] and
/// PRIVCFG (device accesses are taken as allowed at either privilege), 52-bit addresses (LPA/LPA2).</summary>
internal sealed class SmmuV3Stage1Format : GuestPageTableFormat
{
    private const ulong Valid = 1UL << 0, TableOrPage = 1UL << 1, Unprivileged = 1UL << 6, ReadOnly = 1UL << 7,
        InnerShareable = 3UL << 8, AccessFlag = 1UL << 10, TableReadOnly = 1UL << 62;
    private const ulong OutputAddress = 0x0000_FFFF_FFFF_F000UL;

    public static readonly SmmuV3Stage1Format Granule4K = new(12), Granule16K = new(14), Granule64K = new(16);

    private SmmuV3Stage1Format(int granuleShift)
        : base($"SMMUv3 stage-1 VMSAv8-64 tables, {1 << (granuleShift - 10)} KiB granule", granuleShift, OutputAddress)
    {
    }

    public override int MaxInputAddressWidth => 48;

    private bool BlockAllowed(int level) => level == 2 || (level == 3 && GranuleShift == 12);

    // 0b01 at the last level is reserved, and a block where the granule has none: both fault like an invalid entry.
    internal override bool IsValid(ulong entry, int level) =>
        (entry & Valid) != 0 && ((entry & TableOrPage) != 0 || (level > 1 && BlockAllowed(level)));

    internal override bool IsLeaf(ulong entry, int level) => level == 1 || (entry & TableOrPage) == 0;

    internal override DmaAccess Access(ulong entry, int level)
    {
        if (!IsLeaf(entry, level)) return (entry & TableReadOnly) != 0 ? DmaAccess.Read : DmaAccess.ReadWrite;
        if ((entry & AccessFlag) == 0) return 0; // an access-flag fault
        return (entry & ReadOnly) != 0 ? DmaAccess.Read : DmaAccess.ReadWrite;
    }

    public override ulong TableEntry(ulong tableGpa) => (tableGpa & AddressMask) | Valid | TableOrPage;

    /// <remarks>Like Linux's io-pgtable-arm for stage 1: AF set, inner shareable, AP[1] set (unprivileged access).</remarks>
    public override ulong LeafEntry(ulong gpa, DmaAccess access, int level)
    {
        if ((access & DmaAccess.Read) == 0)
            throw new ArgumentException($"{Name} cannot grant {(access == 0 ? "no access" : "writes without reads")} (a valid entry always allows reads)", nameof(access));
        if (level != 1 && !BlockAllowed(level))
            throw new ArgumentOutOfRangeException(nameof(level), $"{Name} have no block at level {level} (ARM level {4 - level})");
        return (gpa & AddressMask & ~(EntrySpan(level) - 1)) | Valid | (level == 1 ? TableOrPage : 0)
            | AccessFlag | InnerShareable | Unprivileged | ((access & DmaAccess.Write) == 0 ? ReadOnly : 0);
    }
}
