using System.Runtime.InteropServices;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests.Runtime;

/// <summary>User memory the runtime does not hand out: read-only pages, an address with nothing mapped, a memfd.</summary>
internal static class UserMemory
{
    // the runtime's own libc imports (internal, visible to the tests): Posix.Mmap, Munmap, MemfdCreate

    /// <summary>Anonymous pages, faulted in, that nobody may write: pinning them for device writes must fail.</summary>
    public static Region ReadOnly(long length) => new(Map(length, Posix.PROT_READ), length);

    /// <summary>Pages of which the last <paramref name="unmappedTail"/> bytes have been unmapped again, so a range
    /// over all <paramref name="length"/> bytes starts valid and ends in a hole (0: the whole range is a hole).</summary>
    public static Region WithHole(long length, long unmappedTail)
    {
        var address = Map(length, Posix.PROT_READ | Posix.PROT_WRITE);
        if (Posix.Munmap(address + (nint)(length - unmappedTail), (nuint)unmappedTail) != 0) throw new IOException($"munmap: errno {Marshal.GetLastPInvokeError()}");
        return new Region(address, length - unmappedTail);
    }

    /// <summary>A memfd of <paramref name="content"/>'s length holding those bytes.</summary>
    public static SafeFileHandle Memfd(ReadOnlySpan<byte> content)
    {
        var fd = Posix.MemfdCreate("iommu-test", (uint)Posix.MFD_CLOEXEC);
        if (fd < 0) throw new IOException($"memfd_create: errno {Marshal.GetLastPInvokeError()}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.SetLength(handle, content.Length);
        RandomAccess.Write(handle, content, 0);
        return handle;
    }

    private static nint Map(long length, int protection)
    {
        var address = Posix.Mmap(0, (nuint)length, protection, Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS | Posix.MAP_POPULATE, -1, 0);
        if (address == -1) throw new IOException($"mmap: errno {Marshal.GetLastPInvokeError()}");
        return address;
    }

    /// <summary>An mmap()ed range; <see cref="Dispose"/> unmaps what is still mapped of it.</summary>
    public sealed class Region(nint address, long mappedLength) : IDisposable
    {
        public nint Address => address;

        public void Dispose()
        {
            if (mappedLength > 0) Posix.Munmap(address, (nuint)mappedLength);
            mappedLength = 0;
        }
    }
}
