namespace Linux.Iommu;

/// <summary>Collects many (iova, user address, length) mappings, then maps them with as few ioctls as possible:
/// sorted by IOVA, neighbours whose IOVAs and user addresses are both contiguous (and whose access matches)
/// become one mapping. If any ioctl fails, what this batch already mapped is unmapped again, so the address
/// space is as before. Reuse one instance: after warm-up, Add and Commit allocate nothing.</summary>
public sealed class BatchMapper
{
    private readonly IDmaMapper _target;
    private Entry[] _entries;
    private Run[] _runs;
    private int _count;

    private readonly record struct Entry(ulong Iova, nint UserAddress, ulong Length, DmaAccess Access);

    private readonly record struct Run(ulong Iova, nint UserAddress, ulong Length, DmaAccess Access);

    /// <summary>A batch for <paramref name="target"/>, sized for <paramref name="capacity"/> mappings before it grows.</summary>
    public BatchMapper(IDmaMapper target, int capacity = 64)
    {
        _target = target;
        _entries = new Entry[Math.Max(capacity, 1)];
        _runs = new Run[Math.Max(capacity, 1)];
    }

    /// <summary>Mappings added since the last commit or clear.</summary>
    public int Count => _count;

    /// <summary>Queues a mapping; nothing reaches the kernel before <see cref="Commit"/>.</summary>
    public void Add(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfZero(length);
        if (iova + (length - 1) < iova) throw new ArgumentOutOfRangeException(nameof(length), $"iova 0x{iova:x} + length 0x{length:x} wraps around 2^64");
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = new Entry(iova, userAddress, length, access);
    }

    /// <summary>Forgets the queued mappings.</summary>
    public void Clear() => _count = 0;

    /// <summary>Maps the queued mappings and clears the queue; returns the number of ioctls issued.</summary>
    /// <exception cref="ArgumentException">Two queued mappings overlap (nothing was mapped).</exception>
    /// <exception cref="IommuException">An ioctl failed; the mappings this batch made were undone.</exception>
    public int Commit()
    {
        var errno = TryCommit(out var ioctls, out var failed);
        if (errno != 0) IommuException.Throw(_target.MapOperation, errno, $"batch mapping at iova 0x{failed.Iova:x}, length 0x{failed.Length:x}; the batch was rolled back");
        return ioctls;
    }

    /// <summary>The hot-path form: 0 or the errno of the failing ioctl (after rollback); never throws for the kernel.</summary>
    public int TryCommit(out int ioctls) => TryCommit(out ioctls, out _);

    private int TryCommit(out int ioctls, out (ulong Iova, ulong Length) failed)
    {
        ioctls = 0;
        failed = default;
        var runs = Coalesce();
        _count = 0;
        for (var i = 0; i < runs; i++)
        {
            var run = _runs[i];
            ioctls++;
            var errno = _target.TryMap(run.Iova, run.UserAddress, run.Length, run.Access);
            if (errno == 0) continue;
            failed = (run.Iova, run.Length);
            for (var j = i - 1; j >= 0; j--)
            {
                // Each run was mapped as one area, so unmapping exactly its range cannot cut anything else.
                _target.TryUnmap(_runs[j].Iova, _runs[j].Length, out _);
            }
            return errno;
        }
        return 0;
    }

    /// <summary>Callers usually add pages in IOVA order already: then there is nothing to sort.</summary>
    private static bool IsSorted(ReadOnlySpan<Entry> entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].Iova < entries[i - 1].Iova) return false;
        }
        return true;
    }

    /// <summary>Sorts the queue and merges contiguous neighbours into <see cref="_runs"/>; returns how many runs.</summary>
    private int Coalesce()
    {
        var entries = _entries.AsSpan(0, _count);
        if (!IsSorted(entries))
        {
            // a static lambda is one cached delegate: no allocation (a struct IComparer made Sort allocate 88 B a call)
            entries.Sort(static (x, y) => x.Iova.CompareTo(y.Iova));
        }
        if (_runs.Length < entries.Length) _runs = new Run[_entries.Length];
        var runs = 0;
        foreach (var entry in entries)
        {
            if (runs > 0)
            {
                ref var last = ref _runs[runs - 1];
                if (entry.Iova < last.Iova + last.Length)
                {
                    _count = 0;
                    throw new ArgumentException($"batched mappings overlap at iova 0x{entry.Iova:x} (previous run [0x{last.Iova:x}, +0x{last.Length:x})); nothing was mapped");
                }
                if (entry.Iova == last.Iova + last.Length && entry.UserAddress == last.UserAddress + (nint)last.Length && entry.Access == last.Access)
                {
                    last = last with { Length = last.Length + entry.Length };
                    continue;
                }
            }
            _runs[runs++] = new Run(entry.Iova, entry.UserAddress, entry.Length, entry.Access);
        }
        return runs;
    }
}
