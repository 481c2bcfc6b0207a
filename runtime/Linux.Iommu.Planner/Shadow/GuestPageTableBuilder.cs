namespace Linux.Iommu.Planner;

/// <summary>A simulated guest driver: it writes VT-d second-stage page tables into guest memory, the way a guest
/// kernel would, so the shadow engine can be tested and demonstrated end to end. Table pages come from a
/// guest-physical pool the caller reserves.</summary>
public sealed class GuestPageTableBuilder
{
    private readonly GuestMemory _memory;
    private ulong _nextTable;
    private readonly ulong _poolEnd;

    /// <summary>Builds tables of <paramref name="levels"/> levels in [poolGpa, poolGpa + poolSize) of guest RAM.</summary>
    public GuestPageTableBuilder(GuestMemory memory, ulong poolGpa, ulong poolSize, int levels)
    {
        _memory = memory;
        _nextTable = poolGpa;
        _poolEnd = poolGpa + poolSize;
        Levels = levels;
        RootGpa = NewTable();
    }

    /// <summary>The root table's guest-physical address.</summary>
    public ulong RootGpa { get; }

    /// <summary>Table levels.</summary>
    public int Levels { get; }

    /// <summary>Maps [iova, iova + size) to guest-physical <paramref name="gpa"/> with 4 KiB entries.</summary>
    public void Map(ulong iova, ulong gpa, ulong size, DmaAccess access)
    {
        for (ulong offset = 0; offset < size; offset += 4096) SetLeaf(iova + offset, Leaf(gpa + offset, access));
    }

    /// <summary>Clears the 4 KiB entries of [iova, iova + size) (the guest must then invalidate).</summary>
    public void Unmap(ulong iova, ulong size)
    {
        for (ulong offset = 0; offset < size; offset += 4096) SetLeaf(iova + offset, 0);
    }

    private static ulong Leaf(ulong gpa, DmaAccess access) =>
        (gpa & VtdPageTable.AddressMask) | ((access & DmaAccess.Read) != 0 ? VtdPageTable.Read : 0) | ((access & DmaAccess.Write) != 0 ? VtdPageTable.Write : 0);

    private void SetLeaf(ulong iova, ulong entry)
    {
        var table = RootGpa;
        for (var level = Levels; level > 1; level--)
        {
            var slot = table + ((iova / VtdPageTable.EntrySpan(level)) % 512) * 8;
            var next = _memory.ReadUInt64(slot);
            if ((next & (VtdPageTable.Read | VtdPageTable.Write)) == 0)
            {
                if (entry == 0) return; // nothing mapped below
                next = NewTable() | VtdPageTable.Read | VtdPageTable.Write;
                _memory.WriteUInt64(slot, next);
            }
            table = next & VtdPageTable.AddressMask;
        }
        _memory.WriteUInt64(table + ((iova / 4096) % 512) * 8, entry);
    }

    private ulong NewTable()
    {
        if (_nextTable + 4096 > _poolEnd) throw new InvalidOperationException("the simulated guest ran out of page-table pages");
        var table = _nextTable;
        _nextTable += 4096;
        for (ulong i = 0; i < 4096; i += 8) _memory.WriteUInt64(table + i, 0);
        return table;
    }
}
