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
    public void Walk(GuestMemory memory, ulong start, ulong length, List<GuestMapping> result) => Walk(memory, start, length, result, merge: false);

    /// <summary>As <see cref="Walk(GuestMemory, ulong, ulong, List{GuestMapping})"/>, but neighbouring translations
    /// contiguous in IOVA and guest-physical address with the same access come back as one (its Size their sum): what
    /// the shadow engine maps as one run, found without a mapping per page.</summary>
    internal void WalkRuns(GuestMemory memory, ulong start, ulong length, List<GuestMapping> result) => Walk(memory, start, length, result, merge: true);

    private void Walk(GuestMemory memory, ulong start, ulong length, List<GuestMapping> result, bool merge)
    {
        result.Clear();
        var end = length == 0 ? LastIova : Math.Min(LastIova, start + (length - 1)); // inclusive, so a range up to 2^64 - 1 fits
        if (start <= end) Walk(memory, RootGpa, Levels, 0, DmaAccess.ReadWrite, start, end, result, merge);
    }

    private unsafe void Walk(GuestMemory memory, ulong tableGpa, int level, ulong baseIova, DmaAccess limit, ulong start, ulong end, List<GuestMapping> result, bool merge)
    {
        var format = Format;
        var shift = format.EntryShift(level);
        var span = 1UL << shift;
        var first = start > baseIova ? (int)((start - baseIova) >> shift) : 0;
        // stopping at end also keeps the walk inside a top table smaller than a granule (ARM)
        var last = (int)Math.Min((ulong)format.EntriesPerTable - 1, (end - baseIova) >> shift);
        if (first > last) return;
        // One lookup of the entries' host address, not one per entry; entries across two RAM regions (or outside RAM,
        // which fails naming the address) are read one by one.
        var entries = (ulong*)memory.HostAddress(tableGpa + (ulong)first * 8, (ulong)(last - first + 1) * 8);
        var extendable = 0UL; // when merging: the entry before, if it is the leaf that ends result
        var extended = 0UL;   // bytes result's last mapping grows by when the run breaks: one list write per run, not per page
        for (var index = first; index <= last; index++)
        {
            var entry = entries != null ? Volatile.Read(ref entries[index - first]) : memory.ReadUInt64(tableGpa + (ulong)index * 8);
            // The page after the previous leaf, with the same flags: the same kind of entry (the formats decode only
            // bits outside the address) at the next guest-physical page, so it extends the run without being decoded.
            if (extendable != 0 && entry - extendable == span && ((entry ^ extendable) & ~format.AddressMask) == 0)
            {
                extended += span;
                extendable = entry;
                continue;
            }
            if (extended != 0) Grow(result, extended);
            extendable = extended = 0;
            if (entry == 0 || !format.IsValid(entry, level)) continue; // 0: an empty slot, invalid in every format
            var iova = baseIova + (ulong)index * span;
            var access = format.Access(entry, level) & limit;
            if (!format.IsLeaf(entry, level))
            {
                Walk(memory, format.Address(entry), level - 1, iova, access, start, end, result, merge);
            }
            else if (access != 0)
            {
                var gpa = format.Address(entry) & ~(span - 1);
                if (merge && result.Count > 0 && result[^1] is var before && before.Iova + before.Size == iova && before.Gpa + before.Size == gpa && before.Access == access)
                    Grow(result, span);
                else
                    result.Add(new GuestMapping(iova, gpa, span, access));
                if (merge) extendable = entry;
            }
        }
        if (extended != 0) Grow(result, extended);
    }

    private static void Grow(List<GuestMapping> result, ulong bytes) => result[^1] = result[^1] with { Size = result[^1].Size + bytes };
}
