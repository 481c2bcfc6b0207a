using Linux.Iommu.Native;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests.Mock;

/// <summary>User memory of base pages, faulted in: IOMMU_TEST_OP_MD_CHECK_REFS skips compound pages (selftest.c,
/// iommufd_test_md_check_refs), so a transparent huge page would make a pin check pass without checking anything.</summary>
internal sealed unsafe partial class SmallPages : IDisposable
{
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
    public static SmallPages Anonymous(long length) => Touched(Map(length, Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS, -1), length);

    /// <summary>A shared mapping of <paramref name="memfd"/> (shmem: base pages unless shmem THP is enabled, which
    /// it is not by default), every page written once so the file's pages exist before anything pins them.</summary>
    public static SmallPages OfFile(SafeFileHandle memfd, long length) =>
        Touched(Map(length, Posix.MAP_SHARED, (int)memfd.DangerousGetHandle()), length);

    /// <summary>The address of page <paramref name="index"/>.</summary>
    public nint Page(long index) => _address + (nint)(index * PageSize);

    public void Dispose()
    {
        if (_address != 0) Posix.Munmap(_address, (nuint)Length);
        _address = 0;
    }

    private static nint Map(long length, int flags, int fd)
    {
        var address = Posix.Mmap(0, (nuint)length, Posix.PROT_READ | Posix.PROT_WRITE, flags, fd, 0);
        if (address == -1) throw new IOException($"mmap of {length} bytes: errno {Marshal.GetLastPInvokeError()}");
        if (Libc.Madvise(address, (nuint)length, Libc.MADV_NOHUGEPAGE) != 0) throw new IOException($"madvise(Libc.MADV_NOHUGEPAGE): errno {Marshal.GetLastPInvokeError()}");
        return address;
    }

    private static SmallPages Touched(nint address, long length)
    {
        for (long offset = 0; offset < length; offset += PageSize) *(byte*)(address + (nint)offset) = (byte)(offset / PageSize);
        return new SmallPages(address, length);
    }
}
