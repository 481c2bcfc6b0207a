namespace Linux.Iommu.DriverKit;

/// <summary>One mapped buffer as the translation sees it: user address, length, IOVA, and the owner's slot number.</summary>
internal readonly record struct TranslationEntry(ulong Va, ulong Length, ulong Iova, int Slot)
{
    public bool Covers(ulong va, ulong length) => va >= Va && va - Va < Length && length <= Length - (va - Va);
}

/// <summary>VA → IOVA for every buffer mapped in a <see cref="DmaSpace"/>: a sorted array searched in O(log n), read
/// without a lock from any number of threads while one writer at a time (the space, under its lock) adds and removes
/// entries in place. Readers use a sequence counter (a seqlock: odd while a write is under way, bumped after it) and
/// retry when it moved, so a torn read is never used. Nothing is allocated except when the array grows.</summary>
internal sealed class IovaTranslation
{
    private TranslationEntry[] _entries = new TranslationEntry[16];
    private int _count;
    private int _sequence;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The entry whose buffer holds all of [va, va + length); lock-free.</summary>
    public bool TryFind(ulong va, ulong length, out TranslationEntry entry)
    {
        var spins = new SpinWait();
        while (true)
        {
            var before = Volatile.Read(ref _sequence);
            if ((before & 1) != 0)
            {
                spins.SpinOnce();
                continue;
            }
            var entries = Volatile.Read(ref _entries);
            var count = Math.Min(Volatile.Read(ref _count), entries.Length);
            var found = Search(entries, count, va, out entry) && entry.Covers(va, length);
            Interlocked.MemoryBarrier(); // the reads above complete before the counter is checked again
            if (Volatile.Read(ref _sequence) == before) return found;
            spins.SpinOnce();
        }
    }

    /// <summary>Binary search for the last entry starting at or below <paramref name="va"/>.</summary>
    private static bool Search(TranslationEntry[] entries, int count, ulong va, out TranslationEntry entry)
    {
        int low = 0, high = count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (entries[middle].Va <= va) (found, low) = (middle, middle + 1);
            else high = middle - 1;
        }
        entry = found >= 0 ? entries[found] : default;
        return found >= 0;
    }

    private int IndexAfter(ulong va)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_entries[middle].Va <= va) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>True when [va, va + length) overlaps no entry. Writer side (under the owner's lock).</summary>
    public bool IsFree(ulong va, ulong length)
    {
        var next = IndexAfter(va);
        if (next > 0 && _entries[next - 1].Va + _entries[next - 1].Length > va) return false;
        return next == _count || _entries[next].Va >= va + length;
    }

    /// <summary>Adds an entry; the caller checked <see cref="IsFree"/>. Writer side.</summary>
    public void Add(TranslationEntry entry)
    {
        var index = IndexAfter(entry.Va);
        if (_count == _entries.Length)
        {
            // a new array for readers; the old one stays valid for those still reading it
            var grown = new TranslationEntry[_entries.Length * 2];
            Array.Copy(_entries, grown, _count);
            Volatile.Write(ref _entries, grown);
        }
        BeginWrite();
        Array.Copy(_entries, index, _entries, index + 1, _count - index);
        _entries[index] = entry;
        _count++;
        EndWrite();
    }

    /// <summary>Removes the entry that starts at <paramref name="va"/>; false when none does. Writer side.</summary>
    public bool Remove(ulong va)
    {
        var index = IndexAfter(va) - 1;
        if (index < 0 || _entries[index].Va != va) return false;
        BeginWrite();
        Array.Copy(_entries, index + 1, _entries, index, _count - index - 1);
        _count--;
        _entries[_count] = default;
        EndWrite();
        return true;
    }

    private void BeginWrite()
    {
        Volatile.Write(ref _sequence, _sequence + 1);
        Interlocked.MemoryBarrier(); // the odd counter is visible before any entry changes
    }

    private void EndWrite() => Volatile.Write(ref _sequence, _sequence + 1);
}
