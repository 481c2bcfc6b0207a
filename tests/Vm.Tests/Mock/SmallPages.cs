using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests.Mock;

/// <summary>User memory of base pages, faulted in: IOMMU_TEST_OP_MD_CHECK_REFS skips compound pages (selftest.c,
/// iommufd_test_md_check_refs), so a transparent huge page would make a pin check pass without checking anything.</summary>
internal sealed unsafe partial class SmallPages : IDisposable
{
    private const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    private const int MADV_NOHUGEPAGE = 15;
    private nint _address;

    private SmallPages(nint address, long length)
    {
        _address = address;
        Length = length;
    }

    public nint Address => _address;

    public long Length { get; }

    public static long PageSize { get; } = Environment.SystemPageSize;

    /// <summary>Anonymous private memory, no THP, every page written once.</summary>
    public static SmallPages Anonymous(long length) => Touched(Map(length, MAP_PRIVATE | MAP_ANONYMOUS, -1), length);

    /// <summary>A shared mapping of <paramref name="memfd"/> (shmem: base pages unless shmem THP is enabled, which
    /// it is not by default), every page written once so the file's pages exist before anything pins them.</summary>
    public static SmallPages OfFile(SafeFileHandle memfd, long length) =>
        Touched(Map(length, MAP_SHARED, (int)memfd.DangerousGetHandle()), length);

    /// <summary>The address of page <paramref name="index"/>.</summary>
    public nint Page(long index) => _address + (nint)(index * PageSize);

    public void Dispose()
    {
        if (_address != 0) Munmap(_address, (nuint)Length);
        _address = 0;
    }

    private static nint Map(long length, int flags, int fd)
    {
        var address = Mmap(0, (nuint)length, PROT_READ | PROT_WRITE, flags, fd, 0);
        if (address == -1) throw new IOException($"mmap of {length} bytes: errno {Marshal.GetLastPInvokeError()}");
        if (Madvise(address, (nuint)length, MADV_NOHUGEPAGE) != 0) throw new IOException($"madvise(MADV_NOHUGEPAGE): errno {Marshal.GetLastPInvokeError()}");
        return address;
    }

    private static SmallPages Touched(nint address, long length)
    {
        for (long offset = 0; offset < length; offset += PageSize) *(byte*)(address + (nint)offset) = (byte)(offset / PageSize);
        return new SmallPages(address, length);
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
