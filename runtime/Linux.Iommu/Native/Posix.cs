using System.Runtime.InteropServices;

namespace Linux.Iommu.Native;

/// <summary>The libc calls the runtime needs beside ioctl (which the generator provides).
/// Blittable signatures; errno through SetLastError.</summary>
internal static unsafe partial class Posix
{
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000; // same on x86_64 and aarch64 (asm-generic/fcntl.h)

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_POPULATE = 0x8000;
    public const int MAP_HUGETLB = 0x40000;
    public const int MFD_CLOEXEC = 1;
    public const uint MFD_HUGETLB = 4;
    public const int HUGETLB_FLAG_ENCODE_SHIFT = 26; // log2 of the huge page size, in MAP_ and MFD_ flags
    public const int MADV_HUGEPAGE = 14;
    public const int MADV_NOHUGEPAGE = 15;
    public const int MADV_POPULATE_WRITE = 23; // Linux 5.14
    public const int RLIMIT_MEMLOCK = 8; // same on x86_64 and aarch64 (asm-generic/resource.h)
    public static readonly nint MAP_FAILED = -1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint Pread(int fd, void* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint Pwrite(int fd, void* buffer, nuint count, long offset);

    /// <summary>errno of the last call above (they capture it with SetLastError).</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "getpagesize")]
    public static partial int GetPageSize();
}
