using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>Page-aligned memory for DMA: <see cref="Allocate(long, bool)"/> gives anonymous memory faulted in at allocation,
/// <see cref="Allocate(long, MemoryBacking, int)"/> guest RAM of any <see cref="MemoryBacking"/> (huge pages, memfd). It is
/// never freed while a mapping made through <see cref="DmaMapperExtensions.Map(IDmaMapper, ulong, DmaBuffer, DmaAccess)"/>
/// still exists (a device could still write to it): disposing a mapped buffer defers the free to its last unmap, and
/// never throws (an exception from Dispose would hide the one that unwound the using block).</summary>
public sealed unsafe partial class DmaBuffer : IDisposable
{
    private nint _address;
    private int _mappings;
    private int _disposeRequested;

    private DmaBuffer(nint address, long length, long pageSize, MemoryBacking backing = MemoryBacking.Anonymous, SafeFileHandle? file = null)
    {
        _address = address;
        Length = length;
        PageSize = pageSize;
        Backing = backing;
        File = file;
    }

    /// <summary>The system's base page size.</summary>
    public static long SystemPageSize { get; } = Posix.GetPageSize();

    /// <summary>Allocates at least <paramref name="length"/> bytes, rounded up to whole pages (2 MiB pages with
    /// <paramref name="hugePages"/>, which needs hugetlbfs pages reserved: /proc/sys/vm/nr_hugepages).</summary>
    public static DmaBuffer Allocate(long length, bool hugePages = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var pageSize = hugePages ? 2L << 20 : SystemPageSize;
        var rounded = (length + pageSize - 1) / pageSize * pageSize;
        var flags = Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS | Posix.MAP_POPULATE | (hugePages ? Posix.MAP_HUGETLB : 0);
        var address = Posix.Mmap(0, (nuint)rounded, Posix.PROT_READ | Posix.PROT_WRITE, flags, -1, 0);
        if (address == Posix.MAP_FAILED) IommuException.Throw("mmap", Posix.LastErrno, $"{rounded} bytes{(hugePages ? " of 2 MiB huge pages" : "")}");
        return new DmaBuffer(address, rounded, pageSize, hugePages ? MemoryBacking.HugeTlb2M : MemoryBacking.Anonymous);
    }

    /// <summary>The user virtual address (what IOMMU_IOAS_MAP's user_va takes).</summary>
    public nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return _address;
        }
    }

    /// <summary>Bytes, a whole number of <see cref="PageSize"/> pages.</summary>
    public long Length { get; }

    /// <summary>The page size the memory was allocated with.</summary>
    public long PageSize { get; }

    /// <summary>The memory, for buffers below 2 GiB.</summary>
    public Span<byte> Span => new((void*)Address, checked((int)Length));

    /// <summary>How many mappings of this buffer exist.</summary>
    public int Mappings => Volatile.Read(ref _mappings);

    internal void AddMapping()
    {
        ObjectDisposedException.ThrowIf(_address == 0 || Volatile.Read(ref _disposeRequested) != 0, this);
        Interlocked.Increment(ref _mappings);
    }

    internal void RemoveMapping()
    {
        if (Interlocked.Decrement(ref _mappings) == 0 && Volatile.Read(ref _disposeRequested) != 0) Free();
    }

    /// <summary>True once disposed while still mapped: the memory waits for the last unmap.</summary>
    public bool IsFreePending => Volatile.Read(ref _disposeRequested) != 0 && _address != 0;

    /// <summary>Frees the memory now, or at its last unmap if it is still mapped.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposeRequested, 1);
        if (Mappings == 0) Free();
    }

    private void Free()
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address == 0) return;
        Posix.Munmap(address, (nuint)Length); // only EINVAL for a bad range, which ours is not
        File?.Dispose();
    }
}
