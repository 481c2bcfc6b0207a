using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A range of I/O virtual addresses, inclusive at both ends as the kernel states them.</summary>
public readonly record struct IovaRange(ulong Start, ulong Last)
{
    /// <summary>Number of bytes; 0 stands for the whole 2^64 space, which does not fit.</summary>
    public ulong Length => Last - Start + 1;

    /// <summary>True when [iova, iova + length) lies inside this range.</summary>
    public bool Contains(ulong iova, ulong length) => length > 0 && iova >= Start && iova - Start <= Last - Start && length - 1 <= Last - iova;

    /// <inheritdoc/>
    public override string ToString() => $"[0x{Start:x}, 0x{Last:x}]";
}

/// <summary>An iommufd I/O address space (IOMMU_IOAS_*). Devices and HW page tables attach to it; user memory is
/// mapped into it. Dispose destroys it (after every device and HWPT using it is gone).</summary>
public sealed class Ioas : IommuObject, IDmaMapper, ILeasedDmaMapper
{
    private readonly IommuFd _iommu;

    internal Ioas(IommuFd iommu, uint id) : base(iommu, id) => _iommu = iommu;

    private static uint Flags(DmaAccess access) => DmaAccessBits.Flags(access,
        (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE, (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE);

    private static uint FixedFlags(DmaAccess access) => Flags(access) | (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA;

    private iommu_ioas_map MapArgument(ulong iova, nint userAddress, ulong length, uint flags)
    {
        ThrowIfDisposed();
        return NewMapArgument(iova, userAddress, length, flags);
    }

    private iommu_ioas_map NewMapArgument(ulong iova, nint userAddress, ulong length, uint flags)
    {
        var map = iommu_ioas_map.Create();
        map.flags = flags;
        map.ioas_id = Id;
        map.user_va = (ulong)userAddress;
        map.length = length;
        map.iova = iova;
        return map;
    }

    /// <summary>Maps user memory at a fixed IOVA: true, or false with <paramref name="errno"/> (EEXIST: overlaps a
    /// mapping; EINVAL: misaligned for an attached device; EFAULT: bad user memory with a device attached). No allocation.</summary>
    public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        using var fd = _iommu.Lease();
        return TryMap(in fd, iova, userAddress, length, access, out errno);
    }

    FdLease ILeasedDmaMapper.Lease() => _iommu.Lease();

    /// <summary><see cref="TryMap(ulong, nint, ulong, DmaAccess, out int)"/> on a descriptor the caller holds (<see cref="DmaSession"/>).</summary>
    internal bool TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        var map = MapArgument(iova, userAddress, length, FixedFlags(access));
        errno = -Ioctls.TryIOMMU_IOAS_MAP(fd.Fd, ref map);
        return errno == 0;
    }

    bool ILeasedDmaMapper.TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno) =>
        TryMap(in fd, iova, userAddress, length, access, out errno);

    /// <inheritdoc/>
    public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        var map = MapArgument(iova, userAddress, length, FixedFlags(access));
        int result;
        using (var fd = _iommu.Lease()) result = Ioctls.TryIOMMU_IOAS_MAP(fd.Fd, ref map);
        if (result < 0) ThrowMap(-result, in map, null);
    }

    /// <summary>Maps user memory where the kernel chooses (inside the allowed IOVAs) and returns that IOVA.</summary>
    public ulong MapAnywhere(nint userAddress, ulong length, DmaAccess access)
    {
        var map = MapArgument(0, userAddress, length, Flags(access));
        int result;
        using (var fd = _iommu.Lease()) result = Ioctls.TryIOMMU_IOAS_MAP(fd.Fd, ref map);
        if (result < 0) ThrowMap(-result, in map, null);
        return map.iova;
    }

    /// <inheritdoc/>
    [DoesNotReturn]
    public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null)
    {
        var map = NewMapArgument(iova, userAddress, length, FixedFlags(access));
        ThrowMap(errno, in map, detail);
    }

    /// <summary>The one builder of a failed IOMMU_IOAS_MAP: the argument's fields, the caller's detail, for ENOMEM the
    /// pinned-memory limit.</summary>
    [DoesNotReturn]
    private static void ThrowMap(int errno, in iommu_ioas_map map, string? detail) =>
        Ioctls.ThrowIOMMU_IOAS_MAP(errno, in map, MemlockLimit.Explain(errno, map.length, detail));

    /// <summary>Maps <paramref name="length"/> bytes of a file (e.g. a memfd) from <paramref name="offset"/> at a fixed IOVA
    /// (IOMMU_IOAS_MAP_FILE): the kernel pins the file's pages, no user mapping needed.</summary>
    public void MapFile(ulong iova, SafeHandle file, ulong offset, ulong length, DmaAccess access)
    {
        ThrowIfDisposed();
        using var source = new FdLease(file, "file");
        var map = iommu_ioas_map_file.Create();
        map.flags = FixedFlags(access);
        map.ioas_id = Id;
        map.fd = source.Fd;
        map.start = offset;
        map.length = length;
        map.iova = iova;
        try
        {
            int result;
            using (var fd = _iommu.Lease()) result = Ioctls.TryIOMMU_IOAS_MAP_FILE(fd.Fd, ref map);
            if (result < 0) Ioctls.ThrowIOMMU_IOAS_MAP_FILE(-result, in map, MemlockLimit.Explain(-result, length)); // ENOMEM: the pinned-memory limit
        }
        catch (IommuException e) when (_iommu.MissingFeature(e, nameof(Requests.IOMMU_IOAS_MAP_FILE)) is { } missing)
        {
            throw missing;
        }
    }

    private iommu_ioas_unmap UnmapArgument(ulong iova, ulong length)
    {
        ThrowIfDisposed();
        return NewUnmapArgument(iova, length);
    }

    private iommu_ioas_unmap NewUnmapArgument(ulong iova, ulong length)
    {
        var unmap = iommu_ioas_unmap.Create();
        unmap.ioas_id = Id;
        unmap.iova = iova;
        unmap.length = length;
        return unmap;
    }

    /// <summary>Unmaps every area inside [iova, iova + length) (holes are fine): true, or false with <paramref name="errno"/>
    /// (ENOENT when an area would be cut or nothing is there). No allocation.</summary>
    public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        using var fd = _iommu.Lease();
        return TryUnmap(in fd, iova, length, out unmapped, out errno);
    }

    /// <summary><see cref="TryUnmap(ulong, ulong, out ulong, out int)"/> on a descriptor the caller holds (<see cref="DmaSession"/>).</summary>
    internal bool TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        var unmap = UnmapArgument(iova, length);
        errno = -Ioctls.TryIOMMU_IOAS_UNMAP(fd.Fd, ref unmap);
        unmapped = errno == 0 ? unmap.length : 0;
        return errno == 0;
    }

    bool ILeasedDmaMapper.TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno) =>
        TryUnmap(in fd, iova, length, out unmapped, out errno);

    /// <inheritdoc/>
    public ulong Unmap(ulong iova, ulong length)
    {
        var unmap = UnmapArgument(iova, length);
        using (var fd = _iommu.Lease()) Ioctls.IOMMU_IOAS_UNMAP(fd.Fd, ref unmap);
        return unmap.length;
    }

    /// <inheritdoc/>
    [DoesNotReturn]
    public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null)
    {
        var unmap = NewUnmapArgument(iova, length);
        Ioctls.ThrowIOMMU_IOAS_UNMAP(errno, in unmap, detail);
    }

    /// <summary>Unmaps everything; returns the bytes unmapped (0 when nothing was mapped: the kernel's unmap-all succeeds
    /// on an empty IOAS, io_pagetable.c iopt_unmap_all). The whole space is 2^64 bytes, which no length can say: the
    /// kernel takes iova 0 with length U64_MAX to mean "all". ENOENT means this IOAS no longer exists in the kernel
    /// (destroyed by id behind this object's back), and is thrown like any other error.</summary>
    public ulong UnmapAll() => Unmap(0, ulong.MaxValue);

    /// <summary>Copies the mappings of [srcIova, srcIova + length) of <paramref name="source"/> to <paramref name="dstIova"/>
    /// here, sharing the pinned pages (IOMMU_IOAS_COPY).</summary>
    public void CopyFrom(Ioas source, ulong srcIova, ulong dstIova, ulong length, DmaAccess access)
    {
        ThrowIfDisposed();
        var copy = iommu_ioas_copy.Create();
        copy.flags = FixedFlags(access);
        copy.dst_ioas_id = Id;
        copy.src_ioas_id = source.Id;
        copy.length = length;
        copy.dst_iova = dstIova;
        copy.src_iova = srcIova;
        using var fd = _iommu.Lease();
        Ioctls.IOMMU_IOAS_COPY(fd.Fd, ref copy);
    }

    /// <summary>The IOVA ranges usable for mapping now (the attached devices' reserved regions removed) and the
    /// required IOVA alignment. Two calls: the first learns the count from EMSGSIZE.</summary>
    public unsafe (IovaRange[] Ranges, ulong Alignment) GetIovaRanges()
    {
        ThrowIfDisposed();
        var query = iommu_ioas_iova_ranges.Create();
        query.ioas_id = Id;
        using var fd = _iommu.Lease();
        while (true)
        {
            var ranges = new iommu_iova_range[query.num_iovas];
            fixed (iommu_iova_range* buffer = ranges)
            {
                query.allowed_iovas = (ulong)buffer;
                var result = Ioctls.TryIOMMU_IOAS_IOVA_RANGES(fd.Fd, ref query);
                if (result == -Errno.EMSGSIZE && query.num_iovas > ranges.Length) continue; // learnt the count; ask again
                if (result < 0) Ioctls.ThrowIOMMU_IOAS_IOVA_RANGES(-result, in query);
                return (ranges.Take((int)query.num_iovas).Select(r => new IovaRange(r.start, r.last)).ToArray(), query.out_iova_alignment);
            }
        }
    }

    /// <summary>Restricts the IOVAs the kernel may choose for <see cref="MapAnywhere"/> (fixed maps are not constrained).
    /// EADDRINUSE when a range intersects a reserved region of an attached device.</summary>
    public unsafe void AllowIovas(ReadOnlySpan<IovaRange> ranges)
    {
        ThrowIfDisposed();
        Span<iommu_iova_range> native = ranges.Length <= 16 ? stackalloc iommu_iova_range[ranges.Length] : new iommu_iova_range[ranges.Length];
        for (var i = 0; i < ranges.Length; i++) native[i] = new iommu_iova_range { start = ranges[i].Start, last = ranges[i].Last };
        var allow = iommu_ioas_allow_iovas.Create();
        allow.ioas_id = Id;
        allow.num_iovas = (uint)ranges.Length;
        fixed (iommu_iova_range* buffer = native)
        {
            allow.allowed_iovas = (ulong)buffer;
            using var fd = _iommu.Lease();
            Ioctls.IOMMU_IOAS_ALLOW_IOVAS(fd.Fd, ref allow);
        }
    }

    /// <summary>IOMMU_OPTION_HUGE_PAGES of this IOAS: whether the kernel may use huge IOPTEs (default on).</summary>
    public bool HugePages
    {
        get
        {
            ThrowIfDisposed();
            return IommuOptions.Get(_iommu, iommufd_option.IOMMU_OPTION_HUGE_PAGES, Id) != 0;
        }
        set
        {
            ThrowIfDisposed();
            IommuOptions.Set(_iommu, iommufd_option.IOMMU_OPTION_HUGE_PAGES, Id, value ? 1UL : 0UL);
        }
    }
}
