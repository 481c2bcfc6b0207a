using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>Guest RAM: buffers of a chosen <see cref="MemoryBacking"/>, populated apart from allocation (in parallel
/// when asked), mapped by file when a memfd holds them.</summary>
public sealed partial class DmaBuffer
{
    /// <summary>What backs the memory.</summary>
    public MemoryBacking Backing { get; }

    /// <summary>The memfd holding the memory (for <see cref="MemoryBacking.Memfd"/> and its hugetlb kinds), else null.
    /// <see cref="DmaMapperExtensions.Map(IDmaMapper, ulong, DmaBuffer, DmaAccess)"/> maps an IOAS by it.</summary>
    public SafeFileHandle? File { get; }

    /// <summary>Allocates <paramref name="length"/> bytes of <paramref name="backing"/>, then populates them with
    /// <paramref name="populateThreads"/> threads (0: not now; see <see cref="Populate"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is not a whole number of the backing's pages.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length or thread count below what is possible, or an unknown backing.</exception>
    /// <exception cref="IommuException">The kernel refused the memory: for hugetlb pages the message says how many are
    /// needed, how many are free and how to reserve more; for transparent huge pages, that they are disabled.</exception>
    public static DmaBuffer Allocate(long length, MemoryBacking backing, int populateThreads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegative(populateThreads);
        var pageSize = MemoryBackings.PageSize(backing);
        if (length % pageSize != 0)
        {
            throw new ArgumentException($"{length} bytes ({Readable.Bytes((ulong)length)}) is no whole number of {backing}'s {Readable.Bytes((ulong)pageSize)} pages: " +
                                        $"take {Readable.Bytes((ulong)(length / pageSize * pageSize))} or {Readable.Bytes((ulong)((length / pageSize + 1) * pageSize))}", nameof(length));
        }
        var buffer = MemoryBackings.IsMemfd(backing) ? AllocateMemfd(length, backing, pageSize)
            : backing == MemoryBacking.TransparentHugePages ? AllocateTransparentHuge(length, pageSize)
            : AllocateAnonymous(length, backing, pageSize);
        try
        {
            if (populateThreads > 0) buffer.Populate(populateThreads);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static DmaBuffer AllocateAnonymous(long length, MemoryBacking backing, long pageSize)
    {
        var hugeTlb = MemoryBackings.IsHugeTlb(backing) ? Posix.MAP_HUGETLB | MemoryBackings.HugeTlbSizeBits(pageSize) : 0;
        var address = Posix.Mmap(0, (nuint)length, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS | hugeTlb, -1, 0);
        if (address == Posix.MAP_FAILED) ThrowMmapFailed(Posix.LastErrno, length, backing, pageSize);
        // base pages even where transparent huge pages are "always" (the kernel's default): the backing says 4 KiB. A kernel
        // built without them refuses the advice (EINVAL) and has nothing but base pages anyway.
        if (hugeTlb == 0 && MemoryBackings.MissingKernelOption(MemoryBacking.TransparentHugePages) is null && Posix.Madvise(address, (nuint)length, Posix.MADV_NOHUGEPAGE) != 0)
        {
            var errno = Posix.LastErrno;
            Posix.Munmap(address, (nuint)length);
            IommuException.Throw("madvise", errno, $"MADV_NOHUGEPAGE of {Readable.Bytes((ulong)length)} at 0x{address:x}");
        }
        return new DmaBuffer(address, length, pageSize, backing, file: null);
    }

    /// <summary>A mapping aligned to the huge page size (cut from a larger one), so that every 2 MiB of it can be one huge page.</summary>
    private static DmaBuffer AllocateTransparentHuge(long length, long pageSize)
    {
        const string enabled = MemoryBackings.ThpFolder + "/enabled";
        if (!System.IO.File.Exists(enabled) || System.IO.File.ReadAllText(enabled).Contains("[never]", StringComparison.Ordinal))
        {
            throw new IommuException("madvise", Errno.EINVAL, $"MADV_HUGEPAGE of {Readable.Bytes((ulong)length)}: transparent huge pages are off " +
                $"({(System.IO.File.Exists(enabled) ? $"{enabled} says never: echo madvise > {enabled}" : "CONFIG_TRANSPARENT_HUGEPAGE is not set")})");
        }
        var reserved = (nuint)(length + pageSize);
        var start = Posix.Mmap(0, reserved, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS, -1, 0);
        if (start == Posix.MAP_FAILED) ThrowMmapFailed(Posix.LastErrno, length, MemoryBacking.TransparentHugePages, pageSize);
        var address = (nint)(((long)start + pageSize - 1) & ~(pageSize - 1));
        if (address > start) Posix.Munmap(start, (nuint)(address - start));
        var end = address + (nint)length;
        if (start + (nint)reserved > end) Posix.Munmap(end, (nuint)(start + (nint)reserved - end));
        if (Posix.Madvise(address, (nuint)length, Posix.MADV_HUGEPAGE) != 0)
        {
            var errno = Posix.LastErrno;
            Posix.Munmap(address, (nuint)length);
            IommuException.Throw("madvise", errno, $"MADV_HUGEPAGE of {Readable.Bytes((ulong)length)} at 0x{address:x}");
        }
        return new DmaBuffer(address, length, pageSize, MemoryBacking.TransparentHugePages, file: null);
    }

    private static DmaBuffer AllocateMemfd(long length, MemoryBacking backing, long pageSize)
    {
        var hugeTlb = MemoryBackings.IsHugeTlb(backing) ? Posix.MFD_HUGETLB | (uint)MemoryBackings.HugeTlbSizeBits(pageSize) : 0;
        var fd = Posix.MemfdCreate("guest-ram", Posix.MFD_CLOEXEC | hugeTlb);
        if (fd < 0)
        {
            var errno = Posix.LastErrno;
            IommuException.Throw("memfd_create", errno, hugeTlb != 0 && errno == Errno.EINVAL ? HugeTlbPool.Explain(length, pageSize) : backing.ToString());
        }
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Posix.Ftruncate(fd, length) != 0) IommuException.Throw("ftruncate", Posix.LastErrno, $"memfd of {Readable.Bytes((ulong)length)} ({backing})");
            var address = Posix.Mmap(0, (nuint)length, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_SHARED, fd, 0);
            if (address == Posix.MAP_FAILED) ThrowMmapFailed(Posix.LastErrno, length, backing, pageSize);
            return new DmaBuffer(address, length, pageSize, backing, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void ThrowMmapFailed(int errno, long length, MemoryBacking backing, long pageSize) =>
        IommuException.Throw("mmap", errno, MemoryBackings.IsHugeTlb(backing) && errno is Errno.ENOMEM or Errno.EINVAL
            ? HugeTlbPool.Explain(length, pageSize)
            : $"{Readable.Bytes((ulong)length)} of {backing}");

    /// <summary>Faults every page in (MADV_POPULATE_WRITE, Linux 5.14), split into <paramref name="threads"/> slices of whole
    /// pages populated at once: the first touch of guest RAM is what makes a VMM's start slow, and it scales with cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    /// <exception cref="IommuException">A slice could not be populated (the first failure: ENOMEM when memory or reserved huge
    /// pages ran out, EINVAL on a kernel before 5.14).</exception>
    public void Populate(int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var address = Address;
        var pages = Length / PageSize;
        var slices = (int)Math.Min(threads, pages);
        var errnos = new int[slices];
        void PopulateSlice(int slice)
        {
            var first = pages * slice / slices * PageSize;
            var end = pages * (slice + 1) / slices * PageSize;
            if (Posix.Madvise(address + (nint)first, (nuint)(end - first), Posix.MADV_POPULATE_WRITE) != 0) errnos[slice] = Posix.LastErrno;
        }
        if (slices == 1)
        {
            PopulateSlice(0);
        }
        else
        {
            var workers = Enumerable.Range(1, slices - 1).Select(slice => new Thread(() => PopulateSlice(slice)) { IsBackground = true, Name = "populate" }).ToArray();
            foreach (var worker in workers) worker.Start();
            PopulateSlice(0);
            foreach (var worker in workers) worker.Join();
        }
        var failed = Array.FindIndex(errnos, e => e != 0);
        if (failed < 0) return;
        IommuException.Throw("madvise", errnos[failed], $"MADV_POPULATE_WRITE of {Readable.Bytes((ulong)Length)} of {Backing} in {slices} slices (slice {failed} failed)" +
            (errnos[failed] == Errno.EINVAL ? ": MADV_POPULATE_WRITE needs Linux 5.14" : MemoryBackings.IsHugeTlb(Backing) && errnos[failed] == Errno.ENOMEM ? ": " + HugeTlbPool.Explain(Length, PageSize) : ""));
    }
}
