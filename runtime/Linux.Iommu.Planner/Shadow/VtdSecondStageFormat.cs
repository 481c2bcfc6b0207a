namespace Linux.Iommu.Planner;

/// <summary>The Intel VT-d second-stage page-table format (VT-d spec rev 4.x §9.8, "Second-Stage Paging Entries"):
/// 512 entries a 4 KiB table; bit 0 R, bit 1 W (an entry with neither is not present; on a table entry they limit
/// everything below), bit 7 PS (a 2 MiB or 1 GiB page at levels 2 and 3), address bits 51:12.</summary>
internal sealed class VtdSecondStageFormat() : GuestPageTableFormat("VT-d second-stage tables", 12, OutputAddress)
{
    internal const ulong Read = 1UL << 0, Write = 1UL << 1, PageSize = 1UL << 7;
    private const ulong OutputAddress = 0x000F_FFFF_FFFF_F000UL;

    public override int MaxInputAddressWidth => 57;

    internal override bool IsValid(ulong entry, int level) => (entry & (Read | Write)) != 0;

    internal override bool IsLeaf(ulong entry, int level) => level == 1 || (level <= 3 && (entry & PageSize) != 0);

    internal override DmaAccess Access(ulong entry, int level) =>
        ((entry & Read) != 0 ? DmaAccess.Read : 0) | ((entry & Write) != 0 ? DmaAccess.Write : 0);

    public override ulong TableEntry(ulong tableGpa) => (tableGpa & AddressMask) | Read | Write;

    public override ulong LeafEntry(ulong gpa, DmaAccess access, int level)
    {
        if ((access & DmaAccess.ReadWrite) == 0) throw new ArgumentException("a leaf without R or W is not present", nameof(access));
        if (level is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(level), $"{Name} have pages at levels 1..3, not {level}");
        return (gpa & AddressMask & ~(EntrySpan(level) - 1)) | (level > 1 ? PageSize : 0)
            | ((access & DmaAccess.Read) != 0 ? Read : 0) | ((access & DmaAccess.Write) != 0 ? Write : 0);
    }
}
