namespace Linux.Iommu.Planner;

/// <summary>A simulated guest driver: it writes page tables of a <see cref="GuestPageTableFormat"/> into guest memory,
/// the way a guest kernel would, so the shadow engine can be tested and demonstrated end to end. Table pages come
/// from a guest-physical pool the caller reserves.</summary>
public sealed class GuestPageTableBuilder
{
    private readonly GuestMemory _memory;
    private ulong _nextTable;
    private readonly ulong _poolEnd;

    /// <summary>Builds tables of <paramref name="format"/> for <paramref name="inputAddressWidth"/>-bit IOVAs in
    /// [poolGpa, poolGpa + poolSize) of guest RAM.</summary>
    public GuestPageTableBuilder(GuestMemory memory, ulong poolGpa, ulong poolSize, GuestPageTableFormat format, int inputAddressWidth)
    {
        _memory = memory;
        _nextTable = (poolGpa + format.Granule - 1) & ~(format.Granule - 1); // tables are granule-aligned
        _poolEnd = poolGpa + poolSize;
        Table = new GuestPageTable(format, 0, inputAddressWidth);
        Table = Table with { RootGpa = NewTable() };
    }

    /// <summary>The tables built: format, root, width.</summary>
    public GuestPageTable Table { get; }

    private GuestPageTableFormat Format => Table.Format;

    /// <summary>Maps [iova, iova + size) to guest-physical <paramref name="gpa"/> with pages of
    /// <paramref name="pageSize"/> (default: the granule; larger ones must be a level's span, e.g. 2 MiB).</summary>
    public void Map(ulong iova, ulong gpa, ulong size, DmaAccess access, ulong pageSize = 0)
    {
        var level = LevelOf(pageSize == 0 ? Format.Granule : pageSize);
        var page = Format.EntrySpan(level);
        if (((iova | gpa | size) & (page - 1)) != 0)
            throw new ArgumentException($"IOVA 0x{iova:x}, GPA 0x{gpa:x} and size 0x{size:x} must be multiples of the 0x{page:x}-byte page");
        for (ulong offset = 0; offset < size; offset += page) SetEntry(iova + offset, level, Format.LeafEntry(gpa + offset, access, level));
    }

    /// <summary>Clears the entries of [iova, iova + size) mapped with pages of <paramref name="pageSize"/> (the guest must then invalidate).</summary>
    public void Unmap(ulong iova, ulong size, ulong pageSize = 0)
    {
        var level = LevelOf(pageSize == 0 ? Format.Granule : pageSize);
        for (ulong offset = 0; offset < size; offset += Format.EntrySpan(level)) SetEntry(iova + offset, level, 0);
    }

    private int LevelOf(ulong pageSize)
    {
        for (var level = 1; level <= Table.Levels; level++)
            if (Format.EntrySpan(level) == pageSize) return level;
        throw new ArgumentException($"{Format.Name} have no 0x{pageSize:x}-byte pages", nameof(pageSize));
    }

    private void SetEntry(ulong iova, int leafLevel, ulong entry)
    {
        var table = Table.RootGpa;
        for (var level = Table.Levels; level > leafLevel; level--)
        {
            var slot = Format.SlotOf(table, iova, level);
            var next = _memory.ReadUInt64(slot);
            if (Format.IsValid(next, level) && Format.IsLeaf(next, level))
                throw new InvalidOperationException($"IOVA 0x{iova:x} lies in a 0x{Format.EntrySpan(level):x}-byte page: unmap that page whole first");
            if (!Format.IsValid(next, level))
            {
                if (entry == 0) return; // nothing mapped below
                next = Format.TableEntry(NewTable());
                _memory.WriteUInt64(slot, next);
            }
            table = Format.Address(next, level);
        }
        _memory.WriteUInt64(Format.SlotOf(table, iova, leafLevel), entry);
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
