using System.Buffers.Binary;
using Iommu.Abi;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests;

/// <summary>The libc calls only tests need, beside the runtime's own (<see cref="Linux.Iommu.Native.Posix"/>: open, pread,
/// pwrite, mmap, munmap, memfd_create), which the tests use directly; raw ioctls go through <see cref="Runtime.RawIoctl"/>.</summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_NONBLOCK = 0x800, SEEK_END = 2; // asm-generic/fcntl.h, same on x86_64 and aarch64
    public const int MADV_NOHUGEPAGE = 15;

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int Gettid();

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);
}

/// <summary>An ioctl argument laid out by the ABI model: a zeroed buffer of the struct's size.</summary>
internal sealed class IoctlArg(RecordDecl record)
{
    public byte[] Bytes { get; } = new byte[record.Size];

    public IoctlArg SetU32(string field, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan(record.Offset(field, 4)), value);
        return this;
    }

    public uint GetU32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(record.Offset(field, 4)));

    /// <summary>iommufd structs start with their own size (the kernel's extensibility check).</summary>
    public static IoctlArg Sized(RecordDecl record) => new IoctlArg(record).SetU32("size", (uint)record.Size);
}
