using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>Software emulation of a guest vIOMMU (VT-d second-stage or SMMUv3 stage-1 tables, <see cref="GuestPageTableFormat"/>):
/// on every guest invalidation it re-walks the guest's page tables over the
/// invalidated range and mirrors the difference into the kernel-managed IOAS — unmapping what changed or vanished,
/// mapping new translations as coalesced runs (one ioctl per contiguous run through <see cref="BatchMapper"/>). When
/// <see cref="Invalidate"/> returns, no stale translation is left for a device to use.</summary>
public sealed class ShadowEngine
{
    private readonly IDmaMapper _target;
    private readonly GuestMemory _memory;
    private readonly BatchMapper _batch;
    private readonly SortedDictionary<ulong, Area> _areas = new(); // what is mapped in the IOAS now, by IOVA

    /// <summary>One mapping made in the IOAS: a run of guest translations contiguous in IOVA and host memory.</summary>
    public readonly record struct Area(ulong Iova, nint HostAddress, ulong Length, DmaAccess Access)
    {
        /// <summary>The last IOVA of the area.</summary>
        public ulong Last => Iova + (Length - 1);
    }

    /// <summary>Counters of the work done, for tests and benchmarks.</summary>
    public sealed record Statistics(long Invalidations, long MapIoctls, long UnmapIoctls, long UnbackedPages);

    private long _invalidations, _mapIoctls, _unmapIoctls, _unbacked;

    /// <summary>Shadows the guest's <paramref name="table"/> into <paramref name="target"/>.</summary>
    public ShadowEngine(IDmaMapper target, GuestMemory memory, GuestPageTable table)
    {
        _target = target;
        _memory = memory;
        _batch = new BatchMapper(target);
        Table = table;
    }

    private GuestPageTable _table;

    /// <summary>The guest's page table (the guest may switch its root, e.g. a new context descriptor: invalidate
    /// everything after).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The format cannot translate the table's width (checked here, not at
    /// the first invalidation).</exception>
    public GuestPageTable Table
    {
        get => _table;
        set
        {
            _ = value.Levels;
            _table = value;
        }
    }

    /// <summary>The areas mapped in the IOAS now.</summary>
    public IReadOnlyCollection<Area> Areas => _areas.Values;

    /// <summary>Work done so far.</summary>
    public Statistics Stats => new(_invalidations, _mapIoctls, _unmapIoctls, _unbacked);

    /// <summary>A global invalidation: the whole address space.</summary>
    public void InvalidateAll() => Invalidate(0, 0);

    /// <summary>A range invalidation of [iova, iova + length); length 0 means up to the end of the address space.</summary>
    /// <exception cref="IommuException">The IOAS refused a change; what the engine had mapped in the range is unmapped, so
    /// the device sees no translation there rather than a stale one.</exception>
    public void Invalidate(ulong iova, ulong length)
    {
        _invalidations++;
        var last = length == 0 ? Table.LastIova : iova + (length - 1);
        // IOAS areas cannot be cut: widen the range to every area it touches, re-walk all of it.
        var touched = _areas.Values.Where(a => a.Iova <= last && iova <= a.Last).ToList();
        var start = touched.Count > 0 ? Math.Min(iova, touched[0].Iova) : iova;
        var end = touched.Count > 0 ? Math.Max(last, touched[^1].Last) : last;

        var wanted = Runs(start, end);
        var keep = touched.Intersect(wanted).ToHashSet();
        foreach (var area in touched.Where(a => !keep.Contains(a)))
        {
            _unmapIoctls++;
            _areas.Remove(area.Iova);
            _target.Unmap(area.Iova, area.Length);
        }
        var added = wanted.Where(a => !keep.Contains(a)).ToList();
        foreach (var area in added) _batch.Add(area.Iova, area.HostAddress, area.Length, area.Access);
        var mapResult = _batch.TryCommit(out var ioctls, out var failed);
        _mapIoctls += ioctls;
        if (mapResult < 0) throw new IommuException(_target.MapOperation, -mapResult, $"shadowing [0x{start:x}, 0x{end:x}]: {failed} (rolled back)");
        foreach (var area in added) _areas[area.Iova] = area;
    }

    /// <summary>The guest's translations over [start, end] as maximal runs contiguous in IOVA and host memory.</summary>
    private List<Area> Runs(ulong start, ulong end)
    {
        var runs = new List<Area>();
        foreach (var leaf in Table.Walk(_memory, start, end - start + 1))
        {
            // clip a large page that straddles the range
            var from = Math.Max(leaf.Iova, start);
            var to = Math.Min(leaf.Iova + (leaf.Size - 1), end);
            var size = to - from + 1;
            var host = _memory.HostAddress(leaf.Gpa + (from - leaf.Iova), size);
            if (host == 0)
            {
                _unbacked += (long)(size / Table.Format.Granule); // not guest RAM (MMIO, a hole): the device faults there, as on hardware
                continue;
            }
            if (runs.Count > 0 && runs[^1] is var previous && previous.Last + 1 == from && previous.HostAddress + (nint)previous.Length == host && previous.Access == leaf.Access)
            {
                runs[^1] = previous with { Length = previous.Length + size };
                continue;
            }
            runs.Add(new Area(from, host, size, leaf.Access));
        }
        return runs;
    }
}
