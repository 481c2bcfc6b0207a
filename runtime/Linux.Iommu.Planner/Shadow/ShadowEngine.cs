
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
    // What is mapped in the IOAS now, sorted by IOVA, never overlapping; the lists after it are reused by every
    // invalidation so that a warmed-up one allocates nothing.
    private readonly List<Area> _areas = [];
    private readonly List<Area> _wanted = [];
    private readonly List<GuestMapping> _runs = [];
    private readonly List<GuestMapping> _leaves = [];

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
    public IReadOnlyCollection<Area> Areas => _areas.AsReadOnly();

    /// <summary>Work done so far.</summary>
    public Statistics Stats => new(_invalidations, _mapIoctls, _unmapIoctls, _unbacked);

    /// <summary>A global invalidation: the whole address space.</summary>
    public void InvalidateAll() => Invalidate(0, 0);

    /// <summary>A range invalidation of [iova, iova + length); length 0 means up to the end of the address space.
    /// Areas that vanished together (neighbours in IOVA order with nothing kept between them) are unmapped with one
    /// ioctl over their span: the engine owns the IOVAs its guest table translates. Allocates nothing once warmed up.</summary>
    /// <exception cref="IommuException">The IOAS refused a change; what the engine had mapped in the range is unmapped, so
    /// the device sees no translation there rather than a stale one.</exception>
    public void Invalidate(ulong iova, ulong length)
    {
        _invalidations++;
        var last = length == 0 ? Table.LastIova : iova + (length - 1);
        // IOAS areas cannot be cut: widen the range to every area it touches, re-walk all of it.
        var first = FirstEndingAtOrAfter(iova);
        var touched = first;
        while (touched < _areas.Count && _areas[touched].Iova <= last) touched++;
        touched -= first;
        var start = touched > 0 ? Math.Min(iova, _areas[first].Iova) : iova;
        var end = touched > 0 ? Math.Max(last, _areas[first + touched - 1].Last) : last;

        CollectRuns(start, end);
        touched = UnmapVanished(first, touched);
        var wanted = 0;
        for (var kept = first; wanted < _wanted.Count; wanted++)
        {
            var area = _wanted[wanted];
            if (kept < first + touched && _areas[kept] == area)
            {
                kept++;
                continue;
            }
            _batch.Add(area.Iova, area.HostAddress, area.Length, area.Access);
        }
        var mapped = _batch.TryCommit(out var ioctls, out var failed, out var errno);
        _mapIoctls += ioctls;
        if (!mapped) _target.ThrowMapFailure(errno, failed.Iova, failed.UserAddress, failed.Length, failed.Access, $"shadowing [0x{start:x}, 0x{end:x}]: {failed} (rolled back)");
        // every area kept is among the wanted ones, which are all mapped now
        _areas.RemoveRange(first, touched);
        _areas.InsertRange(first, _wanted);
    }

    /// <summary>The index of the first area whose last IOVA is at or after <paramref name="iova"/> (areas are sorted and
    /// disjoint, so their last IOVAs are sorted too).</summary>
    private int FirstEndingAtOrAfter(ulong iova)
    {
        int low = 0, high = _areas.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_areas[middle].Last < iova) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>Unmaps the areas of [first, first + touched) that are not wanted any more, one ioctl per group of
    /// neighbours, and removes them from the list; returns how many touched areas remain (the kept ones).</summary>
    private int UnmapVanished(int first, int touched)
    {
        var wanted = 0;
        var index = first;
        using var session = _target.OpenSession();
        while (index < first + touched)
        {
            if (IsWanted(_areas[index], ref wanted))
            {
                index++;
                continue;
            }
            var group = index + 1;
            while (group < first + touched && !IsWanted(_areas[group], ref wanted)) group++;
            var from = _areas[index].Iova;
            var span = _areas[group - 1].Last - from + 1;
            _unmapIoctls++;
            _areas.RemoveRange(index, group - index); // gone from the engine's view even if the unmap fails
            touched -= group - index;
            if (!session.TryUnmap(from, span, out _, out var errno)) _target.ThrowUnmapFailure(errno, from, span, "shadowing");
        }
        return touched;
    }

    /// <summary>Whether <paramref name="area"/> is among the wanted runs, advancing <paramref name="wanted"/> past the
    /// runs before it (both lists are sorted by IOVA).</summary>
    private bool IsWanted(Area area, ref int wanted)
    {
        while (wanted < _wanted.Count && _wanted[wanted].Iova < area.Iova) wanted++;
        return wanted < _wanted.Count && _wanted[wanted] == area;
    }

    /// <summary>The guest's translations over [start, end] as maximal runs contiguous in IOVA and host memory, into
    /// <see cref="_wanted"/>: the walk's runs (contiguous in IOVA and guest-physical address), each looked up once; a
    /// run not inside one RAM region is taken leaf by leaf, so a page outside RAM is skipped (counted as unbacked)
    /// and the rest mapped.</summary>
    private void CollectRuns(ulong start, ulong end)
    {
        _wanted.Clear();
        Table.WalkRuns(_memory, start, end - start + 1, _runs);
        foreach (var run in _runs)
        {
            var (from, size) = Clip(run, start, end);
            var host = _memory.HostAddress(run.Gpa + (from - run.Iova), size);
            if (host != 0)
            {
                Want(from, host, size, run.Access);
                continue;
            }
            Table.Walk(_memory, from, size, _leaves);
            foreach (var leaf in _leaves)
            {
                var (leafFrom, leafSize) = Clip(leaf, from, from + (size - 1));
                var leafHost = _memory.HostAddress(leaf.Gpa + (leafFrom - leaf.Iova), leafSize);
                if (leafHost != 0) Want(leafFrom, leafHost, leafSize, leaf.Access);
                else _unbacked += (long)(leafSize / Table.Format.Granule); // not guest RAM (MMIO, a hole): the device faults there, as on hardware
            }
        }
    }

    /// <summary>The part of <paramref name="mapping"/> inside [start, end] (a large page may straddle it).</summary>
    private static (ulong From, ulong Size) Clip(GuestMapping mapping, ulong start, ulong end)
    {
        var from = Math.Max(mapping.Iova, start);
        return (from, Math.Min(mapping.Iova + (mapping.Size - 1), end) - from + 1);
    }

    /// <summary>Adds a backed translation to <see cref="_wanted"/>, extending the last area when it continues it in IOVA
    /// and host memory with the same access.</summary>
    private void Want(ulong iova, nint host, ulong size, DmaAccess access)
    {
        if (_wanted.Count > 0 && _wanted[^1] is var previous && previous.Last + 1 == iova && previous.HostAddress + (nint)previous.Length == host && previous.Access == access)
            _wanted[^1] = previous with { Length = previous.Length + size };
        else
            _wanted.Add(new Area(iova, host, size, access));
    }
}
