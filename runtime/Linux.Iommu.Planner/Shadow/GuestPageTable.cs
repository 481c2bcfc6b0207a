namespace Linux.Iommu.Planner;

/// <summary>A guest's I/O page table: its format, where its root table sits in guest RAM and the IOVA width it
/// translates (which fixes the number of levels).</summary>
public readonly record struct GuestPageTable(GuestPageTableFormat Format, ulong RootGpa, int InputAddressWidth)
{
    /// <summary>Table levels.</summary>
    public int Levels => Format.Levels(InputAddressWidth);

    /// <summary>The last IOVA the table translates.</summary>
    public ulong LastIova => InputAddressWidth >= 64 ? ulong.MaxValue : (1UL << InputAddressWidth) - 1;

    /// <summary>Every translation inside [start, start + length) (length 0: to the end), in IOVA order, read from guest
    /// memory, with the access every level allows. A large page that straddles the range is returned whole (the caller
    /// clips). Entries that would fault (invalid, reserved, access flag clear) translate nothing.</summary>
    public List<GuestMapping> Walk(GuestMemory memory, ulong start, ulong length)
    {
        var result = new List<GuestMapping>();
        Walk(memory, start, length, result);
        return result;
    }

    /// <summary>As <see cref="Walk(GuestMemory, ulong, ulong)"/>, into <paramref name="result"/> (cleared first): a list
    /// reused from walk to walk makes a walk allocate nothing.</summary>
    public void Walk(GuestMemory memory, ulong start, ulong length, List<GuestMapping> result)
    {
        result.Clear();
        var end = length == 0 ? LastIova : Math.Min(LastIova, start + (length - 1)); // inclusive, so a range up to 2^64 - 1 fits
        if (start <= end) Walk(memory, RootGpa, Levels, 0, DmaAccess.ReadWrite, start, end, result);
    }

    private unsafe void Walk(GuestMemory memory, ulong tableGpa, int level, ulong baseIova, DmaAccess limit, ulong start, ulong end, List<GuestMapping> result)
    {
        var span = Format.EntrySpan(level);
        var first = start > baseIova ? (int)((start - baseIova) / span) : 0;
        // stopping at end also keeps the walk inside a top table smaller than a granule (ARM)
        var last = (int)Math.Min((ulong)Format.EntriesPerTable - 1, (end - baseIova) / span);
        if (first > last) return;
        // One lookup of the entries' host address, not one per entry; entries across two RAM regions (or outside RAM,
        // which fails naming the address) are read one by one.
        var entries = (ulong*)memory.HostAddress(tableGpa + (ulong)first * 8, (ulong)(last - first + 1) * 8);
        for (var index = first; index <= last; index++)
        {
            var iova = baseIova + (ulong)index * span;
            var entry = entries != null ? Volatile.Read(ref entries[index - first]) : memory.ReadUInt64(tableGpa + (ulong)index * 8);
            if (!Format.IsValid(entry, level)) continue;
            var access = Format.Access(entry, level) & limit;
            if (!Format.IsLeaf(entry, level))
            {
                Walk(memory, Format.Address(entry, level), level - 1, iova, access, start, end, result);
            }
            else if (access != 0)
            {
                result.Add(new GuestMapping(iova, Format.Address(entry, level) & ~(span - 1), span, access));
            }
        }
    }
}
