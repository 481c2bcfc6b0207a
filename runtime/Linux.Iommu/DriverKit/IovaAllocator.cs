namespace Linux.Iommu.DriverKit;

/// <summary>Hands out IOVAs inside an address space's usable ranges (what IOMMU_IOAS_IOVA_RANGES or type1's
/// IOVA-range capability reports: the devices' reserved regions are already cut out of them), aligned to the kernel's
/// IOVA alignment. Best fit: the smallest free hole that holds the aligned length, so freed space is reused before
/// large holes are split. Free holes are kept sorted and merged on free; after warm-up no call allocates managed
/// memory. IOVA 0 is never handed out: the first <see cref="Alignment"/> bytes are cut from the usable ranges, because
/// devices and their drivers read DMA address 0 as "none" (an NVMe PRP entry, a descriptor's buffer pointer) and a device
/// writing through such a null address must fault, not land in a buffer. Not thread-safe: <see cref="DmaSpace"/> calls it
/// under its lock.</summary>
public sealed class IovaAllocator
{
    private IovaRange[] _holes = new IovaRange[8]; // sorted by Start, disjoint, never adjacent (merged on free)
    private int _holeCount;
    private readonly Dictionary<ulong, ulong> _allocations = []; // IOVA -> allocated length
    private IovaRange[] _usable = [];

    /// <param name="usable">The usable IOVA ranges, inclusive at both ends, in any order, not overlapping.</param>
    /// <param name="alignment">The kernel's IOVA alignment (a power of two; raised to the system page size).</param>
    public IovaAllocator(IReadOnlyList<IovaRange> usable, ulong alignment) => UpdateRanges(usable, alignment);

    /// <summary>The alignment of every IOVA and length handed out.</summary>
    public ulong Alignment { get; private set; }

    /// <summary>The usable ranges, sorted, less the first <see cref="Alignment"/> bytes of the IOVA space.</summary>
    public IReadOnlyList<IovaRange> UsableRanges => _usable;

    /// <summary>The free holes now, sorted (a copy).</summary>
    public IReadOnlyList<IovaRange> FreeRanges => _holes.AsSpan(0, _holeCount).ToArray();

    /// <summary>The live allocations (IOVA, length), sorted by IOVA (a copy).</summary>
    public IReadOnlyList<(ulong Iova, ulong Length)> Allocations => _allocations.Select(a => (a.Key, a.Value)).Order().ToArray();

    /// <summary>Replaces the usable ranges, e.g. re-read after a device was attached (its reserved regions, such as the MSI
    /// window, leave the usable ranges then). Live allocations stay where they are; the holes are recomputed around them.</summary>
    /// <exception cref="ArgumentException">Ranges overlap, or the alignment is not a power of two.</exception>
    /// <exception cref="InvalidOperationException">A live allocation lies outside the new ranges or breaks the new
    /// alignment; nothing is changed.</exception>
    public void UpdateRanges(IReadOnlyList<IovaRange> usable, ulong alignment)
    {
        ArgumentNullException.ThrowIfNull(usable);
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw new ArgumentException($"IOVA alignment 0x{alignment:x} is not a power of two", nameof(alignment));
        alignment = Math.Max(alignment, (ulong)DmaBuffer.SystemPageSize);
        var sorted = usable.OrderBy(r => r.Start).ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Last < sorted[i].Start) throw new ArgumentException($"IOVA range {sorted[i]} ends before it starts", nameof(usable));
            if (i > 0 && sorted[i].Start <= sorted[i - 1].Last) throw new ArgumentException($"IOVA ranges {sorted[i - 1]} and {sorted[i]} overlap", nameof(usable));
        }
        sorted = WithoutPageZero(sorted, alignment);
        var live = Allocations;
        foreach (var (iova, length) in live)
        {
            if ((iova & (alignment - 1)) != 0) throw new InvalidOperationException($"allocation 0x{iova:x} (0x{length:x} bytes) breaks the new IOVA alignment 0x{alignment:x}");
            if (!sorted.Any(r => r.Contains(iova, length)))
                throw new InvalidOperationException($"allocation 0x{iova:x} (0x{length:x} bytes) lies outside the new usable IOVA ranges {string.Join(", ", sorted)}");
        }

        var holes = new List<IovaRange>();
        var next = 0;
        foreach (var range in sorted)
        {
            var start = range.Start;
            var open = true; // [start, range.Last] may still hold a hole
            for (; next < live.Count && live[next].Iova <= range.Last; next++)
            {
                var (iova, length) = live[next];
                if (iova > start) holes.Add(new IovaRange(start, iova - 1));
                var last = iova + length - 1;
                if (last == range.Last) { open = false; next++; break; }
                start = last + 1;
            }
            if (open) holes.Add(new IovaRange(start, range.Last));
        }
        _usable = sorted;
        Alignment = alignment;
        _holes = new IovaRange[Math.Max(8, holes.Count * 2)];
        holes.CopyTo(_holes);
        _holeCount = holes.Count;
    }

    /// <summary>The sorted ranges less [0, alignment): the first range loses its start, or goes if that is all it had.</summary>
    private static IovaRange[] WithoutPageZero(IovaRange[] sorted, ulong alignment)
    {
        if (sorted.Length == 0 || sorted[0].Start >= alignment) return sorted;
        if (sorted[0].Last < alignment) return sorted[1..];
        sorted[0] = new IovaRange(alignment, sorted[0].Last);
        return sorted;
    }

    private ulong RoundLength(ulong length)
    {
        if (length == 0) throw new ArgumentOutOfRangeException(nameof(length), "an IOVA allocation of 0 bytes");
        var rounded = (length + Alignment - 1) & ~(Alignment - 1);
        if (rounded < length) throw new ArgumentOutOfRangeException(nameof(length), $"0x{length:x} bytes do not fit the IOVA space");
        return rounded;
    }

    /// <summary>Allocates <paramref name="length"/> bytes (rounded up to <see cref="Alignment"/>) from the smallest hole
    /// that holds them; false when no hole does.</summary>
    public bool TryAllocate(ulong length, out ulong iova)
    {
        var rounded = RoundLength(length);
        var best = -1;
        var bestStart = 0UL;
        var bestSize = ulong.MaxValue;
        for (var i = 0; i < _holeCount; i++)
        {
            var hole = _holes[i];
            var start = (hole.Start + Alignment - 1) & ~(Alignment - 1);
            if (start < hole.Start || start > hole.Last || rounded - 1 > hole.Last - start) continue; // wrapped, or too small
            var size = hole.Last - hole.Start;
            if (size < bestSize) (best, bestStart, bestSize) = (i, start, size);
        }
        if (best < 0)
        {
            iova = 0;
            return false;
        }
        Carve(best, bestStart, rounded);
        iova = bestStart;
        return true;
    }

    /// <summary>Allocates like <see cref="TryAllocate"/>.</summary>
    /// <exception cref="InvalidOperationException">No free hole holds the length (names it and the largest hole).</exception>
    public ulong Allocate(ulong length)
    {
        if (TryAllocate(length, out var iova)) return iova;
        var largest = _holes.AsSpan(0, _holeCount).ToArray().Select(h => h.Length).DefaultIfEmpty(0UL).Max();
        throw new InvalidOperationException($"no free IOVA hole holds 0x{RoundLength(length):x} bytes (largest free hole 0x{largest:x} bytes, {_allocations.Count} allocations live)");
    }

    /// <summary>Claims exactly [<paramref name="iova"/>, +<paramref name="length"/>) (identity mapping: IOVA = VA); false
    /// when that range is not free and usable, or not aligned.</summary>
    public bool TryReserve(ulong iova, ulong length)
    {
        var rounded = RoundLength(length);
        if ((iova & (Alignment - 1)) != 0 || iova + rounded - 1 < iova) return false;
        var i = IndexOfHoleAtOrBefore(iova);
        if (i < 0 || !_holes[i].Contains(iova, rounded)) return false;
        Carve(i, iova, rounded);
        return true;
    }

    private void Carve(int index, ulong iova, ulong length)
    {
        var hole = _holes[index];
        var last = iova + length - 1;
        var before = iova > hole.Start;
        var after = last < hole.Last;
        if (before && after)
        {
            InsertHole(index + 1, new IovaRange(last + 1, hole.Last));
            _holes[index] = new IovaRange(hole.Start, iova - 1);
        }
        else if (before) _holes[index] = new IovaRange(hole.Start, iova - 1);
        else if (after) _holes[index] = new IovaRange(last + 1, hole.Last);
        else RemoveHole(index);
        _allocations.Add(iova, length);
    }

    /// <summary>Returns an allocation's space; its neighbours' free space merges with it.</summary>
    /// <exception cref="ArgumentException"><paramref name="iova"/> is not the start of a live allocation.</exception>
    public void Free(ulong iova)
    {
        if (!_allocations.Remove(iova, out var length)) throw new ArgumentException($"IOVA 0x{iova:x} is not the start of a live allocation", nameof(iova));
        var last = iova + length - 1;
        var before = IndexOfHoleAtOrBefore(iova); // the hole just below, if any (none contains iova: it was allocated)
        var mergeBelow = before >= 0 && _holes[before].Last + 1 == iova;
        var mergeAbove = before + 1 < _holeCount && last != ulong.MaxValue && _holes[before + 1].Start == last + 1;
        if (mergeBelow && mergeAbove)
        {
            _holes[before] = new IovaRange(_holes[before].Start, _holes[before + 1].Last);
            RemoveHole(before + 1);
        }
        else if (mergeBelow) _holes[before] = new IovaRange(_holes[before].Start, last);
        else if (mergeAbove) _holes[before + 1] = new IovaRange(iova, _holes[before + 1].Last);
        else InsertHole(before + 1, new IovaRange(iova, last));
    }

    /// <summary>The index of the last hole starting at or below <paramref name="iova"/>, or -1.</summary>
    private int IndexOfHoleAtOrBefore(ulong iova)
    {
        int low = 0, high = _holeCount - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (_holes[middle].Start <= iova) (found, low) = (middle, middle + 1);
            else high = middle - 1;
        }
        return found;
    }

    private void InsertHole(int index, IovaRange hole)
    {
        if (_holeCount == _holes.Length) Array.Resize(ref _holes, _holes.Length * 2);
        Array.Copy(_holes, index, _holes, index + 1, _holeCount - index);
        _holes[index] = hole;
        _holeCount++;
    }

    private void RemoveHole(int index)
    {
        Array.Copy(_holes, index + 1, _holes, index, _holeCount - index - 1);
        _holeCount--;
    }
}
