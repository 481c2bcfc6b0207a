namespace Linux.Iommu.Planner;

/// <summary>One translation the guest's page tables state: guest IOVA → guest-physical, for a page of <see cref="Size"/>.</summary>
public readonly record struct GuestMapping(ulong Iova, ulong Gpa, ulong Size, DmaAccess Access);

/// <summary>A page-table format a guest's vIOMMU driver writes and the shadow engine walks: a radix tree of 64-bit
/// entries, one granule per table, each level resolving <c>granule bits − 3</c> IOVA bits. Levels are counted from the
/// leaf tables up (level 1 maps granules, level 2 the next size...), the way VT-d numbers them; ARM numbers the same
/// tables top-down (its level 3 is our level 1). Whether an entry is valid, a leaf, and what it allows depends only on
/// its bits outside the address field (and the level), and an all-zero entry is invalid: the walk relies on both to skip
/// empty slots and to take an entry that is its neighbour plus one page as the same kind of leaf, without decoding it.</summary>
public abstract class GuestPageTableFormat
{
    private protected GuestPageTableFormat(string name, int granuleShift, ulong addressMask)
    {
        Name = name;
        GranuleShift = granuleShift;
        AddressMask = addressMask & ~((1UL << granuleShift) - 1);
    }

    /// <summary>The format's name, as plans and errors show it.</summary>
    public string Name { get; }

    /// <summary>log2 of <see cref="Granule"/>.</summary>
    public int GranuleShift { get; }

    /// <summary>The smallest page and the size of one table, in bytes.</summary>
    public ulong Granule => 1UL << GranuleShift;

    private int BitsPerLevel => GranuleShift - 3;

    /// <summary>Entries in one table (a granule of 8-byte entries).</summary>
    internal int EntriesPerTable => 1 << BitsPerLevel;

    /// <summary>Where the entry for <paramref name="iova"/> sits in the table at <paramref name="tableGpa"/> of <paramref name="level"/>.</summary>
    internal ulong SlotOf(ulong tableGpa, ulong iova, int level) => tableGpa + ((iova >> EntryShift(level)) & (ulong)(EntriesPerTable - 1)) * 8;

    /// <summary>log2 of <see cref="EntrySpan"/>: shifts, not divisions, on the walks' paths.</summary>
    internal int EntryShift(int level) => GranuleShift + BitsPerLevel * (level - 1);

    /// <summary>Bytes one entry of <paramref name="level"/> covers (level 1: one granule).</summary>
    public ulong EntrySpan(int level) => 1UL << EntryShift(level);

    /// <summary>Table levels for an input (IOVA) width: 39 bits → 3 and 48 → 4 with 4 KiB granules.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The width is outside what the format can translate.</exception>
    public int Levels(int inputAddressWidth)
    {
        if (inputAddressWidth <= GranuleShift || inputAddressWidth > MaxInputAddressWidth)
            throw new ArgumentOutOfRangeException(nameof(inputAddressWidth), $"{Name} translates {GranuleShift + 1}..{MaxInputAddressWidth}-bit IOVAs, not {inputAddressWidth}");
        return (inputAddressWidth - GranuleShift + BitsPerLevel - 1) / BitsPerLevel;
    }

    /// <summary>The widest IOVA the format translates.</summary>
    public abstract int MaxInputAddressWidth { get; }

    /// <summary>Whether <paramref name="entry"/> at <paramref name="level"/> translates (a table or a leaf).</summary>
    internal abstract bool IsValid(ulong entry, int level);

    /// <summary>Whether a valid entry maps a page (rather than pointing at the next table).</summary>
    internal abstract bool IsLeaf(ulong entry, int level);

    /// <summary>The bits of an entry that hold the guest-physical address it names (next table, or the page); none
    /// below the granule.</summary>
    internal ulong AddressMask { get; }

    /// <summary>The guest-physical address a valid entry names (next table, or the page); bits below the granule are 0.</summary>
    internal ulong Address(ulong entry) => entry & AddressMask;

    /// <summary>What a valid entry allows. For a table entry, the limit it puts on everything below it.</summary>
    internal abstract DmaAccess Access(ulong entry, int level);

    /// <summary>A table entry pointing at the table at <paramref name="tableGpa"/>, limiting nothing (what a guest driver writes).</summary>
    public abstract ulong TableEntry(ulong tableGpa);

    /// <summary>A leaf entry mapping the page at <paramref name="gpa"/> at <paramref name="level"/> (what a guest driver writes).</summary>
    /// <exception cref="ArgumentException">The format cannot state <paramref name="access"/>, or has no pages at that level.</exception>
    public abstract ulong LeafEntry(ulong gpa, DmaAccess access, int level);

    /// <summary>The Intel VT-d second-stage format (4 KiB granule).</summary>
    public static GuestPageTableFormat VtdSecondStage { get; } = new VtdSecondStageFormat();

    /// <summary>The ARM SMMUv3 stage-1 format: VMSAv8-64 translation tables with a 4, 16 or 64 KiB granule.</summary>
    public static GuestPageTableFormat SmmuV3Stage1(ulong granule) => granule switch
    {
        4096 => SmmuV3Stage1Format.Granule4K,
        16384 => SmmuV3Stage1Format.Granule16K,
        65536 => SmmuV3Stage1Format.Granule64K,
        _ => throw new ArgumentOutOfRangeException(nameof(granule), $"VMSAv8-64 granules are 4, 16 or 64 KiB, not {granule} bytes"),
    };

    /// <summary>The format a guest of <paramref name="spec"/> writes for DMA remapping, or null when the shadow engine
    /// does not walk it; <paramref name="tables"/> names the guest's tables either way. The guest's model decides
    /// (<see cref="ViommuModel.ShadowFormat"/>).</summary>
    public static GuestPageTableFormat? For(GuestViommuSpec spec, out string tables) => spec.Model.ShadowFormat(spec, out tables);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
