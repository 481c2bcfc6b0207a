using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A queued mapping of a <see cref="BatchMapper"/>: its position in the order it was added, its IOVA, user
/// address, length and access.</summary>
public readonly record struct BatchEntry(int Index, ulong Iova, nint UserAddress, ulong Length, DmaAccess Access)
{
    /// <inheritdoc/>
    public override string ToString() => $"batch entry {Index} (iova 0x{Iova:x}, length 0x{Length:x})";
}

/// <summary>Collects many (iova, user address, length) mappings, then maps them with as few ioctls as possible:
/// sorted by IOVA, neighbours whose IOVAs and user addresses are both contiguous (and whose access matches)
/// become one mapping. If any ioctl fails, what this batch already mapped is unmapped again, so the address
/// space is as before, and the failure names the queued entry that failed (a run that fails is retried entry by
/// entry to find it). Reuse one instance: after warm-up, Add and Commit allocate nothing.</summary>
public sealed class BatchMapper
{
    private readonly IDmaMapper _target;
    private BatchEntry[] _entries;
    private Run[] _runs;
    private int _count;

    /// <summary>Entries [First, First + Entries) of the sorted queue, mapped as one.</summary>
    private readonly record struct Run(ulong Iova, nint UserAddress, ulong Length, DmaAccess Access, int First, int Entries);

    /// <summary>A batch for <paramref name="target"/>, sized for <paramref name="capacity"/> mappings before it grows.</summary>
    public BatchMapper(IDmaMapper target, int capacity = 64)
    {
        _target = target;
        _entries = new BatchEntry[Math.Max(capacity, 1)];
        _runs = new Run[Math.Max(capacity, 1)];
    }

    /// <summary>Mappings added since the last commit or clear.</summary>
    public int Count => _count;

    /// <summary>Queues a mapping; nothing reaches the kernel before <see cref="Commit"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A zero length, a range past 2^64, or unknown <see cref="DmaAccess"/> bits.</exception>
    public void Add(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfZero(length);
        if (iova + (length - 1) < iova) throw new ArgumentOutOfRangeException(nameof(length), $"iova 0x{iova:x} + length 0x{length:x} wraps around 2^64");
        DmaAccessBits.Validate(access);
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = new BatchEntry(_count, iova, userAddress, length, access);
        _count++;
    }

    /// <summary>Forgets the queued mappings.</summary>
    public void Clear() => _count = 0;

    /// <summary>Maps the queued mappings and clears the queue; returns the number of ioctls issued.</summary>
    /// <exception cref="ArgumentException">Two queued mappings overlap (nothing was mapped).</exception>
    /// <exception cref="IommuException">An ioctl failed; the message names the queued entry (index, IOVA, length) and the
    /// mappings this batch made were undone.</exception>
    public int Commit()
    {
        if (!TryCommit(out var ioctls, out var failed, out var errno)) _target.ThrowMapFailure(errno, failed.Iova, failed.UserAddress, failed.Length, failed.Access, $"{failed}; the batch was rolled back");
        return ioctls;
    }

    /// <summary>The hot-path form: true, or false with the failing mapping's <paramref name="errno"/> after rollback and
    /// <paramref name="failed"/> naming the queued entry that failed; never throws for the kernel. <paramref name="ioctls"/>
    /// counts the ioctls issued.</summary>
    /// <exception cref="ArgumentException">Two queued mappings overlap (nothing was mapped).</exception>
    public bool TryCommit(out int ioctls, out BatchEntry failed, out int errno)
    {
        ioctls = 0;
        failed = default;
        errno = 0;
        var runs = Coalesce();
        _count = 0;
        if (runs == 0) return true;
        using var session = _target.OpenSession(); // one descriptor lease for the whole commit, not one per ioctl
        for (var i = 0; i < runs; i++)
        {
            var run = _runs[i];
            ioctls++;
            if (session.TryMap(run.Iova, run.UserAddress, run.Length, run.Access, out errno)) continue;
            errno = FindFailedEntry(in session, run, errno, ref ioctls, out failed);
            for (var j = i - 1; j >= 0; j--)
            {
                // Each run was mapped as one area, so unmapping exactly its range cannot cut anything else.
                session.TryUnmap(_runs[j].Iova, _runs[j].Length, out _, out _);
            }
            return false;
        }
        return true;
    }

    /// <summary>A run that failed as a whole is mapped again entry by entry (then unmapped): the first entry that fails
    /// alone is the one to name, with its own errno (returned). When every entry maps alone (the failure was the run's,
    /// e.g. a transient ENOMEM), the run's first entry is named with the run's errno.</summary>
    private int FindFailedEntry(in DmaSession session, Run run, int runErrno, ref int ioctls, out BatchEntry failed)
    {
        failed = _entries[run.First];
        if (run.Entries == 1) return runErrno;
        var errno = runErrno;
        var mapped = 0;
        for (; mapped < run.Entries; mapped++)
        {
            var entry = _entries[run.First + mapped];
            ioctls++;
            if (session.TryMap(entry.Iova, entry.UserAddress, entry.Length, entry.Access, out var alone)) continue;
            failed = entry;
            errno = alone;
            break;
        }
        for (var k = mapped - 1; k >= 0; k--) session.TryUnmap(_entries[run.First + k].Iova, _entries[run.First + k].Length, out _, out _);
        return errno;
    }

    /// <summary>Callers usually add pages in IOVA order already: then there is nothing to sort.</summary>
    private static bool IsSorted(ReadOnlySpan<BatchEntry> entries)
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
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (runs > 0)
            {
                ref var last = ref _runs[runs - 1];
                if (entry.Iova < last.Iova + last.Length)
                {
                    _count = 0;
                    var previous = entries[i - 1];
                    throw new ArgumentException($"batched mappings overlap: entry {entry.Index} (iova 0x{entry.Iova:x}, length 0x{entry.Length:x}) and " +
                                                $"entry {previous.Index} (iova 0x{previous.Iova:x}, length 0x{previous.Length:x}); nothing was mapped");
                }
                if (entry.Iova == last.Iova + last.Length && entry.UserAddress == last.UserAddress + (nint)last.Length && entry.Access == last.Access)
                {
                    last = last with { Length = last.Length + entry.Length, Entries = last.Entries + 1 };
                    continue;
                }
            }
            _runs[runs++] = new Run(entry.Iova, entry.UserAddress, entry.Length, entry.Access, i, 1);
        }
        return runs;
    }
}
