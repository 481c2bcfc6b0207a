using Linux.Iommu.Native;

namespace Linux.Iommu.DriverKit;

/// <summary>How a <see cref="DmaSpace"/> chooses IOVAs.</summary>
public enum IovaMode
{
    /// <summary>From the <see cref="IovaAllocator"/> (best fit inside the usable ranges).</summary>
    Allocated,
    /// <summary>The IOVA is the buffer's own virtual address (libvfn's identity mode): no allocation, but the address must lie
    /// inside a usable range (a 39-bit VT-d cannot hold a user address above 2^39).</summary>
    Identity,
}

/// <summary>A buffer's IOVA for one I/O, from <see cref="DmaSpace.Acquire(DmaBuffer, long, long, DmaAccess)"/>: the
/// mapping it lies in cannot be unmapped until the lease is released.</summary>
public readonly record struct DmaLease(nint Address, ulong Length, ulong Iova);

/// <summary>What a <see cref="DmaSpace"/> has done: kernel maps and unmaps, and acquires, of which hits were served by an
/// existing (persistent or cached) mapping. Time is not measured here: a caller that wants it wraps the mapper.</summary>
public readonly record struct DmaSpaceStatistics(long Maps, long Unmaps, long Acquires, long Hits);

/// <summary>The driver kit over one I/O address space (an iommufd <see cref="Ioas"/> or a type1
/// <see cref="VfioContainer"/>, through <see cref="IDmaMapper"/>): IOVAs from an <see cref="IovaAllocator"/> (or identity),
/// a VA → IOVA translation of every mapped buffer (lock-free lookups), persistent mappings, and ephemeral mappings for one
/// I/O (<see cref="Acquire(DmaBuffer, long, long, DmaAccess)"/> / <see cref="Release"/>) with an optional reuse cache that
/// keeps the last released mappings so a hot buffer is not pinned again for every I/O.
/// <para>Safety: a mapping with an I/O in flight (an unreleased lease) cannot be unmapped, and a <see cref="DmaBuffer"/>
/// mapped here (persistently, ephemerally or cached) is not freed until its mapping is gone (its Dispose defers the free).
/// Dispose unmaps everything, in flight or not: stop the device first.</para>
/// <para>After warm-up (arrays and tables grown to the working set) map, acquire, release and translate allocate no managed
/// memory. Writers serialize on one lock; <see cref="TryTranslate"/> takes none.</para></summary>
public sealed class DmaSpace : IDisposable
{
    private struct Mapping
    {
        public ulong Va, Length, Iova;
        public DmaAccess Access;
        public int InFlight;
        public bool Ephemeral, Cached;
        public long LastUsed;
        public DmaBuffer? Buffer;
    }

    private readonly IDmaMapper _mapper;
    private readonly Func<(IovaRange[] Ranges, ulong Alignment)>? _readRanges;
    private readonly IovaAllocator _allocator;
    private readonly IovaTranslation _translation = new();
    private readonly Lock _lock = new();
    private readonly ulong _pageSize = (ulong)DmaBuffer.SystemPageSize;
    private Mapping[] _slots = new Mapping[16];
    private int[] _freeSlots = new int[16];
    private int _freeCount, _slotCount, _cached;
    private long _tick, _maps, _unmaps, _acquires, _hits;
    private bool _disposed;

    /// <param name="mapper">The address space (IOAS or type1 container).</param>
    /// <param name="usable">Its usable IOVA ranges now.</param>
    /// <param name="alignment">Its IOVA alignment.</param>
    /// <param name="mode">Allocated IOVAs or identity (IOVA = VA).</param>
    /// <param name="cacheCapacity">How many released ephemeral mappings stay mapped for reuse (0: unmap at release).</param>
    public DmaSpace(IDmaMapper mapper, IReadOnlyList<IovaRange> usable, ulong alignment, IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0)
        : this(mapper, null, usable, alignment, mode, cacheCapacity) { }

    private DmaSpace(IDmaMapper mapper, Func<(IovaRange[], ulong)>? readRanges, IReadOnlyList<IovaRange> usable, ulong alignment, IovaMode mode, int cacheCapacity)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheCapacity);
        if (mode is not (IovaMode.Allocated or IovaMode.Identity)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "IovaMode is Allocated or Identity");
        _mapper = mapper;
        _readRanges = readRanges;
        _allocator = new IovaAllocator(usable, alignment);
        Mode = mode;
        CacheCapacity = cacheCapacity;
    }

    /// <summary>A space over an IOAS; its ranges are read now and again by <see cref="RefreshIovaRanges"/>.</summary>
    public static DmaSpace Create(Ioas ioas, IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0)
    {
        ArgumentNullException.ThrowIfNull(ioas);
        var (ranges, alignment) = ioas.GetIovaRanges();
        return new DmaSpace(ioas, ioas.GetIovaRanges, ranges, alignment, mode, cacheCapacity);
    }

    /// <summary>A space over a type1 container (after <see cref="VfioContainer.SetIommu"/>).</summary>
    public static DmaSpace Create(VfioContainer container, IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0)
    {
        ArgumentNullException.ThrowIfNull(container);
        var (ranges, alignment) = container.GetIovaRanges();
        return new DmaSpace(container, container.GetIovaRanges, ranges, alignment, mode, cacheCapacity);
    }

    /// <summary>How IOVAs are chosen.</summary>
    public IovaMode Mode { get; }

    /// <summary>How many released ephemeral mappings stay mapped.</summary>
    public int CacheCapacity { get; }

    /// <summary>The address space this maps into.</summary>
    public IDmaMapper Mapper => _mapper;

    /// <summary>The usable ranges the allocator works in.</summary>
    public IReadOnlyList<IovaRange> UsableRanges { get { lock (_lock) return _allocator.UsableRanges; } }

    /// <summary>The allocator's free holes (a copy).</summary>
    public IReadOnlyList<IovaRange> FreeRanges { get { lock (_lock) return _allocator.FreeRanges; } }

    /// <summary>How many mappings exist (persistent, in flight and cached).</summary>
    public int Mappings => _translation.Count;

    /// <summary>Counters since creation.</summary>
    public DmaSpaceStatistics Statistics
    {
        get { lock (_lock) return new(_maps, _unmaps, _acquires, _hits); }
    }

    /// <summary>Re-reads the usable ranges from the kernel, as needed after a device is attached (its reserved regions
    /// leave the usable space). Only for spaces made by <c>Create</c>.</summary>
    public void RefreshIovaRanges()
    {
        if (_readRanges is null) throw new InvalidOperationException("this DmaSpace was given its IOVA ranges; pass new ones to UpdateIovaRanges");
        var (ranges, alignment) = _readRanges();
        UpdateIovaRanges(ranges, alignment);
    }

    /// <summary>Replaces the usable ranges (see <see cref="IovaAllocator.UpdateRanges"/>).</summary>
    public void UpdateIovaRanges(IReadOnlyList<IovaRange> usable, ulong alignment)
    {
        lock (_lock) _allocator.UpdateRanges(usable, alignment);
    }

    /// <summary>The IOVA of [address, address + length) when it lies inside one mapped buffer; lock-free, O(log n).</summary>
    public bool TryTranslate(nint address, ulong length, out ulong iova)
    {
        if (_translation.TryFind((ulong)address, Math.Max(length, 1), out var entry))
        {
            iova = entry.Iova + ((ulong)address - entry.Va);
            return true;
        }
        iova = 0;
        return false;
    }

    /// <summary>Maps a whole <see cref="DmaBuffer"/> until <see cref="Unmap(DmaBuffer)"/>; returns its IOVA.</summary>
    public ulong Map(DmaBuffer buffer, DmaAccess access)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_lock) return Slot(MapLocked((ulong)buffer.Address, (ulong)buffer.Length, access, buffer, ephemeral: false)).Iova;
    }

    /// <summary>Maps page-aligned memory the caller keeps mapped until <see cref="Unmap(nint)"/>; returns its IOVA.</summary>
    public ulong Map(nint address, ulong length, DmaAccess access)
    {
        if (((ulong)address | length) % _pageSize != 0) throw new ArgumentException($"address 0x{address:x} and length 0x{length:x} must be whole pages (0x{_pageSize:x})");
        lock (_lock) return Slot(MapLocked((ulong)address, length, access, null, ephemeral: false)).Iova;
    }

    /// <summary>Unmaps a buffer mapped by <see cref="Map(DmaBuffer, DmaAccess)"/>.</summary>
    public void Unmap(DmaBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Unmap(buffer.Address);
    }

    /// <summary>Unmaps the persistent mapping that starts at <paramref name="address"/>.</summary>
    /// <exception cref="InvalidOperationException">Nothing is mapped there, it is an ephemeral mapping, or an I/O using it is
    /// in flight (an unreleased lease).</exception>
    public void Unmap(nint address)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_translation.TryFind((ulong)address, 1, out var entry) || entry.Va != (ulong)address)
                throw new InvalidOperationException($"no mapping starts at 0x{address:x} in this DmaSpace");
            ref var mapping = ref _slots[entry.Slot];
            if (mapping.Ephemeral) throw new InvalidOperationException($"0x{address:x} is an ephemeral mapping: Release its lease instead");
            if (mapping.InFlight > 0)
                throw new InvalidOperationException($"buffer 0x{address:x} (IOVA 0x{mapping.Iova:x}, 0x{mapping.Length:x} bytes) has {mapping.InFlight} I/O in flight: it cannot be unmapped before they complete");
            UnmapLocked(entry.Slot, throwOnError: true);
        }
    }

    /// <summary>The IOVA of <paramref name="length"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> for one
    /// I/O: served by a mapping that holds it (persistent or cached), otherwise the whole buffer is mapped now (ephemeral; so
    /// concurrent I/Os on other parts of it share that mapping). The buffer's memory
    /// cannot be freed, nor its mapping unmapped, until <see cref="Release"/>.</summary>
    public DmaLease Acquire(DmaBuffer buffer, long offset, long length, DmaAccess access)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length <= 0 || offset > buffer.Length - length)
            throw new ArgumentOutOfRangeException(nameof(length), $"bytes [{offset}, {offset} + {length}) are outside the buffer's {buffer.Length}");
        return Acquire(buffer.Address + (nint)offset, (ulong)length, access, buffer);
    }

    /// <summary>As <see cref="Acquire(DmaBuffer, long, long, DmaAccess)"/> for memory the caller owns: it must stay mapped in
    /// this process until the lease is released, and, with a cache, until <see cref="DropCache"/> (a cached mapping keeps
    /// the old pages pinned: memory unmapped and mapped again at the same address would not be what the device sees).</summary>
    public DmaLease Acquire(nint address, ulong length, DmaAccess access) => Acquire(address, length, access, null);

    private DmaLease Acquire(nint address, ulong length, DmaAccess access, DmaBuffer? buffer)
    {
        if (length == 0) throw new ArgumentOutOfRangeException(nameof(length), "an I/O of 0 bytes");
        DmaAccessBits.Validate(access);
        var va = (ulong)address;
        lock (_lock)
        {
            ThrowIfDisposed();
            _acquires++;
            int slot;
            if (_translation.TryFind(va, length, out var entry) && (_slots[entry.Slot].Access & access) == access)
            {
                slot = entry.Slot;
                _hits++;
            }
            else
            {
                var first = buffer is null ? va & ~(_pageSize - 1) : (ulong)buffer.Address;
                var end = buffer is null ? (va + length + _pageSize - 1) & ~(_pageSize - 1) : first + (ulong)buffer.Length;
                EvictIdleOverlapping(first, end - first, ref access);
                slot = MapLocked(first, end - first, access, buffer, ephemeral: true);
            }
            ref var mapping = ref _slots[slot];
            if (mapping.Cached)
            {
                mapping.Cached = false;
                _cached--;
            }
            mapping.InFlight++;
            return new DmaLease(address, length, mapping.Iova + (va - mapping.Va));
        }
    }

    /// <summary>Ends the I/O of a lease: an ephemeral mapping with nothing else in flight is unmapped, or kept in the cache
    /// (the least recently used cached one is unmapped when the cache is full).</summary>
    /// <exception cref="InvalidOperationException">The lease's mapping is gone or has no I/O in flight.</exception>
    public void Release(in DmaLease lease)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_translation.TryFind((ulong)lease.Address, lease.Length, out var entry) || _slots[entry.Slot].InFlight == 0)
                throw new InvalidOperationException($"no I/O in flight on 0x{lease.Address:x} (IOVA 0x{lease.Iova:x}): released twice?");
            ref var mapping = ref _slots[entry.Slot];
            if (--mapping.InFlight > 0 || !mapping.Ephemeral) return;
            if (CacheCapacity == 0)
            {
                UnmapLocked(entry.Slot, throwOnError: true);
                return;
            }
            mapping.Cached = true;
            mapping.LastUsed = ++_tick;
            if (++_cached > CacheCapacity) EvictLeastRecentlyUsed();
        }
    }

    /// <summary>Unmaps every cached (released) ephemeral mapping.</summary>
    public void DropCache()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            for (var i = 0; i < _slotCount; i++)
            {
                if (_slots[i].Cached) UnmapLocked(i, throwOnError: true);
            }
        }
    }

    private ref Mapping Slot(int slot) => ref _slots[slot];

    private void EvictLeastRecentlyUsed()
    {
        var oldest = -1;
        for (var i = 0; i < _slotCount; i++)
        {
            if (_slots[i].Cached && (oldest < 0 || _slots[i].LastUsed < _slots[oldest].LastUsed)) oldest = i;
        }
        UnmapLocked(oldest, throwOnError: true);
    }

    /// <summary>Makes room for an ephemeral mapping of [va, va + length): idle cached mappings it overlaps are unmapped
    /// (their access joins the new one's, so the buffer keeps serving both); a persistent or in-flight one is an error.</summary>
    private void EvictIdleOverlapping(ulong va, ulong length, ref DmaAccess access)
    {
        if (_translation.IsFree(va, length)) return;
        for (var i = 0; i < _slotCount; i++)
        {
            ref var other = ref _slots[i];
            if (other.Length == 0 || other.Va >= va + length || va >= other.Va + other.Length) continue;
            if (!other.Cached)
            {
                throw new InvalidOperationException($"[0x{va:x}, +0x{length:x}) overlaps the {(other.Ephemeral ? "in-flight" : "persistent")} mapping " +
                    $"[0x{other.Va:x}, +0x{other.Length:x}) {other.Access}, which does not cover it with the access asked for");
            }
            access |= other.Access;
            UnmapLocked(i, throwOnError: true);
        }
    }

    private int MapLocked(ulong va, ulong length, DmaAccess access, DmaBuffer? buffer, bool ephemeral)
    {
        ThrowIfDisposed();
        DmaAccessBits.Validate(access);
        if (!_translation.IsFree(va, length)) throw new InvalidOperationException($"[0x{va:x}, +0x{length:x}) overlaps a buffer already mapped in this DmaSpace");
        ulong iova;
        if (Mode == IovaMode.Identity)
        {
            if (!_allocator.TryReserve(va, length))
                throw new InvalidOperationException($"identity IOVA [0x{va:x}, +0x{length:x}) is not free inside the usable IOVA ranges {string.Join(", ", _allocator.UsableRanges)}");
            iova = va;
        }
        else iova = _allocator.Allocate(length);

        buffer?.AddMapping();
        if (!_mapper.TryMap(iova, (nint)va, length, access, out var errno))
        {
            _allocator.Free(iova);
            buffer?.RemoveMapping();
            _mapper.ThrowMapFailure(errno, iova, (nint)va, length, access);
        }
        _maps++;
        var slot = TakeSlot();
        _slots[slot] = new Mapping { Va = va, Length = length, Iova = iova, Access = access, Ephemeral = ephemeral, Buffer = buffer };
        _translation.Add(new TranslationEntry(va, length, iova, slot));
        return slot;
    }

    private void UnmapLocked(int slot, bool throwOnError)
    {
        ref var mapping = ref _slots[slot];
        // ENOENT: already gone from the kernel (unmapped behind our back); the bookkeeping is dropped either way, since
        // the kernel holds no pages for it
        if (!_mapper.TryUnmap(mapping.Iova, mapping.Length, out _, out var errno) && errno != Errno.ENOENT && throwOnError)
            _mapper.ThrowUnmapFailure(errno, mapping.Iova, mapping.Length);
        _unmaps++;
        _translation.Remove(mapping.Va);
        _allocator.Free(mapping.Iova);
        if (mapping.Cached) _cached--;
        mapping.Buffer?.RemoveMapping();
        mapping = default;
        if (_freeCount == _freeSlots.Length) Array.Resize(ref _freeSlots, _freeSlots.Length * 2);
        _freeSlots[_freeCount++] = slot;
    }

    private int TakeSlot()
    {
        if (_freeCount > 0) return _freeSlots[--_freeCount];
        if (_slotCount == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        return _slotCount++;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Unmaps every mapping, in flight or not (the device must be stopped), and releases the buffers it held.
    /// Never throws: a mapping the kernel refuses to unmap is dropped from the books (its address space's own teardown
    /// frees it).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            for (var i = 0; i < _slotCount; i++)
            {
                if (_slots[i].Length != 0) UnmapLocked(i, throwOnError: false);
            }
            _disposed = true;
        }
    }
}
