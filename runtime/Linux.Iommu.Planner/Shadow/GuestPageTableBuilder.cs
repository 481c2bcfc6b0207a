namespace Linux.Iommu.Planner;

/// <summary>A simulated guest driver: it writes page tables of a <see cref="GuestPageTableFormat"/> into guest memory,
/// the way a guest kernel would, so the shadow engine can be tested and demonstrated end to end. Table pages come
/// from a guest-physical pool the caller reserves.</summary>
public sealed class GuestPageTableBuilder
{
    private readonly GuestMemory _memory;
    private ulong _nextTable;
    private readonly ulong _poolEnd;
    private readonly int _levels; // the table's, computed once: each page written walks down them

    /// <summary>Builds tables of <paramref name="format"/> for <paramref name="inputAddressWidth"/>-bit IOVAs in
    /// [poolGpa, poolGpa + poolSize) of guest RAM.</summary>
    public GuestPageTableBuilder(GuestMemory memory, ulong poolGpa, ulong poolSize, GuestPageTableFormat format, int inputAddressWidth)
    {
        _memory = memory;
        _nextTable = (poolGpa + format.Granule - 1) & ~(format.Granule - 1); // tables are granule-aligned
        _poolEnd = poolGpa + poolSize;
        Table = new GuestPageTable(format, 0, inputAddressWidth);
        _levels = Table.Levels;
        Table = Table with { RootGpa = NewTable() };
    }

    /// <summary>The tables built: format, root, width.</summary>
    public GuestPageTable Table { get; }

    private GuestPageTableFormat Format => Table.Format;

    /// <summary>Maps [iova, iova + size) to guest-physical <paramref name="gpa"/> with pages of
    /// <paramref name="pageSize"/> (default: the granule; larger ones must be a level's span, e.g. 2 MiB).</summary>
    /// <exception cref="ArgumentException">The addresses are not page multiples, the format has no such pages or cannot
    /// state the access, or the guest-physical range goes past the format's highest address.</exception>
    public void Map(ulong iova, ulong gpa, ulong size, DmaAccess access, ulong pageSize = 0)
    {
        var level = LevelOf(pageSize == 0 ? Format.Granule : pageSize);
        var page = Format.EntrySpan(level);
        if (((iova | gpa | size) & (page - 1)) != 0)
            throw new ArgumentException($"IOVA 0x{iova:x}, GPA 0x{gpa:x} and size 0x{size:x} must be multiples of the 0x{page:x}-byte page");
        var highest = Format.AddressMask | (Format.Granule - 1);
        if (size != 0 && (gpa > highest || size - 1 > highest - gpa))
            throw new ArgumentOutOfRangeException(nameof(gpa), $"GPA 0x{gpa:x} + size 0x{size:x} goes past 0x{highest:x}, the highest address {Format.Name} state");
        _ = Format.LeafEntry(gpa, access, level); // an access the format cannot state fails before anything is written
        SetEntries(iova, size / page, level, gpa, access);
    }

    /// <summary>Clears the entries of [iova, iova + size) mapped with pages of <paramref name="pageSize"/> (the guest must then invalidate).</summary>
    public void Unmap(ulong iova, ulong size, ulong pageSize = 0)
    {
        var level = LevelOf(pageSize == 0 ? Format.Granule : pageSize);
        var page = Format.EntrySpan(level);
        SetEntries(iova, size / page + (size % page != 0 ? 1UL : 0), level, 0, 0);
    }

    private int LevelOf(ulong pageSize)
    {
        for (var level = 1; level <= _levels; level++)
            if (Format.EntrySpan(level) == pageSize) return level;
        throw new ArgumentException($"{Format.Name} have no 0x{pageSize:x}-byte pages", nameof(pageSize));
    }

    /// <summary>Writes the <paramref name="leafLevel"/> entries of <paramref name="pages"/> pages from
    /// <paramref name="iova"/>: leaves onto consecutive pages from <paramref name="gpa"/>, or (access 0) zeros. A table
    /// at a time: its slots are consecutive, so they are found once, not page by page from the root.</summary>
    private unsafe void SetEntries(ulong iova, ulong pages, int leafLevel, ulong gpa, DmaAccess access)
    {
        var shift = Format.EntryShift(leafLevel);
        var page = 1UL << shift;
        var perTable = (ulong)Format.EntriesPerTable;
        for (ulong done = 0; done < pages;)
        {
            var at = iova + done * page;
            var index = (at >> shift) & (perTable - 1);
            var count = Math.Min(perTable - index, pages - done);
            if (TryLeafTable(at, leafLevel, create: access != 0, out var table))
            {
                var firstSlot = table + index * 8;
                var slots = (ulong*)_memory.HostAddress(firstSlot, count * 8); // a table across two RAM regions: word by word
                // A leaf is its page's address bits plus flags that do not depend on the page, and Map checked that every
                // page fits the address bits: each entry is the first plus its page offset.
                var first = access == 0 ? 0 : Format.LeafEntry(gpa + done * page, access, leafLevel);
                var step = access == 0 ? 0 : page;
                for (ulong k = 0; k < count; k++)
                {
                    var entry = first + k * step;
                    if (slots != null) Volatile.Write(ref slots[k], entry);
                    else _memory.WriteUInt64(firstSlot + k * 8, entry);
                }
            }
            done += count;
        }
    }

    /// <summary>The table of <paramref name="leafLevel"/> that holds the entry of <paramref name="iova"/>; tables missing
    /// on the way are made when <paramref name="create"/>, else there is none (nothing is mapped below).</summary>
    private bool TryLeafTable(ulong iova, int leafLevel, bool create, out ulong table)
    {
        table = Table.RootGpa;
        for (var level = _levels; level > leafLevel; level--)
        {
            var slot = Format.SlotOf(table, iova, level);
            var next = _memory.ReadUInt64(slot);
            var valid = Format.IsValid(next, level);
            if (valid && Format.IsLeaf(next, level))
                throw new InvalidOperationException($"IOVA 0x{iova:x} lies in a 0x{Format.EntrySpan(level):x}-byte page: unmap that page whole first");
            if (!valid)
            {
                if (!create) return false;
                next = Format.TableEntry(NewTable());
                _memory.WriteUInt64(slot, next);
            }
            table = Format.Address(next);
        }
        return true;
    }

    private ulong NewTable()
    {
        if (_nextTable + Format.Granule > _poolEnd) throw new InvalidOperationException("the simulated guest ran out of page-table pages");
        var table = _nextTable;
        _nextTable += Format.Granule;
        for (ulong i = 0; i < Format.Granule; i += 8) _memory.WriteUInt64(table + i, 0);
        return table;
    }
}
