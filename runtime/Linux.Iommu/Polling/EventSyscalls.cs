using System.Runtime.InteropServices;

namespace Linux.Iommu.Polling;

/// <summary>The libc calls of the descriptors the poll thread watches: read/write on an event queue's file or an
/// eventfd (pread/pwrite would fail with ESPIPE: the files are not seekable), poll, and eventfd (the interrupts' and
/// the one that wakes the poll thread). Blittable signatures;
/// errno through SetLastError.</summary>
internal static unsafe partial class EventSyscalls
{
    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;
    public const int EFD_CLOEXEC = 0x80000; // O_CLOEXEC
    public const int EFD_NONBLOCK = 0x800;  // O_NONBLOCK; the same on x86_64 and aarch64 (asm-generic/fcntl.h)

    /// <summary>struct pollfd: the same layout on every Linux architecture (int, short, short).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    public static int LastErrno => Marshal.GetLastPInvokeError();
}
