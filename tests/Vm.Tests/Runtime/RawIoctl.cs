using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vm.Tests.Runtime;

/// <summary>A generated Try stub: the result, or -errno.</summary>
internal delegate int TryIoctl<T>(int fd, ref T argument) where T : unmanaged;

/// <summary>The one place tests issue ioctls past the runtime: generated stubs called with arguments the runtime never
/// builds (a wrong <c>size</c>/<c>argsz</c>, bytes past the struct, unknown flags), and model-laid-out bytes.</summary>
internal static partial class RawIoctl
{
    // its own import: the runtime's and the planner's generated ones are both internal and visible here
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, byte* argument);

    /// <summary>The descriptor number of a handle the test keeps open for the call.</summary>
    public static int Fd(SafeHandle handle) => (int)handle.DangerousGetHandle();

    /// <summary>ioctl(fd, request, bytes): an argument laid out from the ABI model (<see cref="IoctlArg"/>), independent of
    /// the generated structs, through the generated stubs' own libc import. 0 (or the result) or -errno, as a Try stub.</summary>
    public static unsafe int Call(SafeHandle fd, ulong request, byte[] buffer)
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            fixed (byte* bytes = buffer)
            {
                var result = Ioctl(Fd(fd), (nuint)request, bytes);
                return result < 0 ? -Marshal.GetLastSystemError() : result;
            }
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>Calls <paramref name="ioctl"/> with <paramref name="command"/> at the start of a buffer one byte longer,
    /// its leading u32 (<c>size</c> or <c>argsz</c>) set to the struct's size plus <paramref name="sizeDelta"/> and the
    /// extra byte set to <paramref name="tail"/>. Returns the Try stub's result (0 or -errno).</summary>
    public static int CallSized<T>(SafeHandle fd, TryIoctl<T> ioctl, T command, int sizeDelta, byte tail = 0) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        var buffer = new byte[size + 1];
        MemoryMarshal.Write(buffer, in command);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)(size + sizeDelta));
        buffer[size] = tail;
        return ioctl(Fd(fd), ref MemoryMarshal.AsRef<T>(buffer.AsSpan()));
    }
}
