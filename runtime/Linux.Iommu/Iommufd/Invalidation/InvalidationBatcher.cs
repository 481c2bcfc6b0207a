using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Collects invalidation entries (as a guest's invalidation queue is drained) and sends them to a nested HWPT or
/// a vIOMMU in one IOMMU_HWPT_INVALIDATE per <see cref="Capacity"/> entries, instead of one ioctl per entry. On a refused
/// entry the kernel has applied those before it: they leave the batch, the refused one is <see cref="Pending"/>[0], and the
/// caller drops it (<see cref="Discard"/>) or fixes it and flushes the rest again. One thread at a time.</summary>
/// <typeparam name="T">The entry struct of the data type (e.g. <see cref="Native.iommu_hwpt_vtd_s1_invalidate"/>); its size is the entry length sent.</typeparam>
public sealed class InvalidationBatcher<T> where T : unmanaged
{
    private readonly IInvalidationTarget _target;
    private readonly uint _dataType;
    private readonly T[] _entries;
    private int _count;

    /// <summary>A batcher for <paramref name="target"/> of <paramref name="dataType"/> entries that flushes every
    /// <paramref name="capacity"/> entries (the kernel takes up to 2^19 per call).</summary>
    public InvalidationBatcher(IInvalidationTarget target, uint dataType, int capacity = 256)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _target = target;
        _dataType = dataType;
        _entries = new T[capacity];
    }

    /// <summary>How many entries a flush sends at most.</summary>
    public int Capacity => _entries.Length;

    /// <summary>The entries not yet handled by the kernel, in order.</summary>
    public ReadOnlySpan<T> Pending => _entries.AsSpan(0, _count);

    /// <summary>How many IOMMU_HWPT_INVALIDATE calls the batcher issued.</summary>
    public long Calls { get; private set; }

    /// <summary>Queues <paramref name="entry"/>; a full batch is flushed first (its failure is thrown, and the entry is not queued).</summary>
    public void Add(in T entry)
    {
        if (_count == _entries.Length) Flush();
        _entries[_count++] = entry;
    }

    /// <summary>Sends the pending entries in one call: true, or false with the kernel's <paramref name="errno"/> and
    /// <paramref name="refused"/> the index (among the entries pending before the call) of the entry the kernel refused
    /// (-1 on success); the ones before it took effect and are gone.</summary>
    public bool TryFlush(out int refused, out int errno)
    {
        refused = -1;
        errno = 0;
        if (_count == 0) return true;
        Calls++;
        var sent = _target.TryInvalidate(_dataType, MemoryMarshal.AsBytes(Pending), (uint)Unsafe.SizeOf<T>(), (uint)_count, out var handled, out errno);
        var done = (int)Math.Min(handled, (uint)_count);
        _entries.AsSpan(done, _count - done).CopyTo(_entries);
        _count -= done;
        if (!sent) refused = done;
        return sent;
    }

    /// <summary>Sends the pending entries in one call.</summary>
    /// <exception cref="IommuException">The kernel refused an entry: the message names its index and how many were handled;
    /// those are gone from <see cref="Pending"/>, the refused entry is first.</exception>
    public void Flush()
    {
        var count = (uint)_count;
        if (!TryFlush(out var refused, out var errno)) CacheInvalidation.ThrowFailed(IdOf(_target), _dataType, (uint)Unsafe.SizeOf<T>(), count, (uint)refused, errno);
    }

    /// <summary>Drops the first <paramref name="count"/> pending entries (after a refusal: the refused one).</summary>
    public void Discard(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _entries.AsSpan(count, _count - count).CopyTo(_entries);
        _count -= count;
    }

    private static uint IdOf(IInvalidationTarget target) => target is IommuObject o ? o.Id : 0;
}
