using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A mapper whose calls can run on a descriptor leased by the caller: <see cref="DmaSession"/> leases it once
/// for many calls instead of once per call.</summary>
internal interface ILeasedDmaMapper
{
    FdLease Lease();

    bool TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno);

    bool TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno);
}

/// <summary>Map and unmap calls on one <see cref="IDmaMapper"/> with its descriptor held for the whole scope
/// (<c>using var session = ioas.OpenSession();</c>): each call skips the reference-count add and release that
/// otherwise guards it against a concurrent Dispose, which is what a short call (an IOAS without a device) pays on
/// top of C. While the session lives, disposing the mapper's descriptor is deferred to the session's end. Not for
/// sharing across threads or holding across awaits (a ref struct). A mapper that is not the runtime's own (a test
/// double) is called through its ordinary <see cref="IDmaMapper"/> methods.</summary>
public ref struct DmaSession
{
    private readonly IDmaMapper _mapper;
    private readonly ILeasedDmaMapper? _leased;
    private FdLease _lease;
    private bool _ended;

    internal DmaSession(IDmaMapper mapper)
    {
        _mapper = mapper;
        _leased = mapper as ILeasedDmaMapper;
        if (_leased is not null) _lease = _leased.Lease();
    }

    /// <summary>As <see cref="IDmaMapper.TryMap"/>: true, or false with <paramref name="errno"/>; no allocation.</summary>
    /// <exception cref="ObjectDisposedException">The session has ended.</exception>
    public readonly bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        ObjectDisposedException.ThrowIf(_ended, typeof(DmaSession));
        return _leased is null
            ? _mapper.TryMap(iova, userAddress, length, access, out errno)
            : _leased.TryMap(in _lease, iova, userAddress, length, access, out errno);
    }

    /// <summary>As <see cref="IDmaMapper.TryUnmap"/>: true, or false with <paramref name="errno"/>; no allocation.</summary>
    /// <exception cref="ObjectDisposedException">The session has ended.</exception>
    public readonly bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        ObjectDisposedException.ThrowIf(_ended, typeof(DmaSession));
        return _leased is null
            ? _mapper.TryUnmap(iova, length, out unmapped, out errno)
            : _leased.TryUnmap(in _lease, iova, length, out unmapped, out errno);
    }

    /// <summary>Releases the descriptor (a Dispose of the mapper that waited for it closes it now). Idempotent.</summary>
    public void Dispose()
    {
        _ended = true;
        _lease.Dispose();
    }
}
