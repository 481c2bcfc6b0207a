using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vm.Tests.Runtime;

/// <summary>A generated Try stub: the result, or -errno.</summary>
internal delegate int TryIoctl<T>(int fd, ref T argument) where T : unmanaged;

/// <summary>Generated ioctl stubs called with arguments the runtime never builds: a wrong <c>size</c>/<c>argsz</c>,
/// bytes past the struct, unknown flags.</summary>
internal static class RawIoctl
{
    /// <summary>The descriptor number of a handle the test keeps open for the call.</summary>
    public static int Fd(SafeHandle handle) => (int)handle.DangerousGetHandle();

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
