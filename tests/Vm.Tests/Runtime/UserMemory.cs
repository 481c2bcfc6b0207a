using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests.Runtime;

/// <summary>User memory the runtime does not hand out: read-only pages, an address with nothing mapped, a memfd.</summary>
internal static unsafe partial class UserMemory
{
    private const int PROT_READ = 1, PROT_WRITE = 2;
    private const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    private const uint MFD_CLOEXEC = 1;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    /// <summary>Anonymous pages, faulted in, that nobody may write: pinning them for device writes must fail.</summary>
    public static Region ReadOnly(long length) => new(Map(length, PROT_READ), length);

    /// <summary>Pages of which the last <paramref name="unmappedTail"/> bytes have been unmapped again, so a range
    /// over all <paramref name="length"/> bytes starts valid and ends in a hole (0: the whole range is a hole).</summary>
    public static Region WithHole(long length, long unmappedTail)
    {
        var address = Map(length, PROT_READ | PROT_WRITE);
        if (Munmap(address + (nint)(length - unmappedTail), (nuint)unmappedTail) != 0) throw new IOException($"munmap: errno {Marshal.GetLastPInvokeError()}");
        return new Region(address, length - unmappedTail);
    }

    /// <summary>A memfd of <paramref name="content"/>'s length holding those bytes.</summary>
    public static SafeFileHandle Memfd(ReadOnlySpan<byte> content)
    {
        var fd = MemfdCreate("iommu-test", MFD_CLOEXEC);
        if (fd < 0) throw new IOException($"memfd_create: errno {Marshal.GetLastPInvokeError()}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.SetLength(handle, content.Length);
        RandomAccess.Write(handle, content, 0);
        return handle;
    }

    private static nint Map(long length, int protection)
    {
        var address = Mmap(0, (nuint)length, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (address == -1) throw new IOException($"mmap: errno {Marshal.GetLastPInvokeError()}");
        return address;
    }

    /// <summary>An mmap()ed range; <see cref="Dispose"/> unmaps what is still mapped of it.</summary>
    public sealed class Region(nint address, long mappedLength) : IDisposable
    {
        public nint Address => address;

        public void Dispose()
        {
            if (mappedLength > 0) Munmap(address, (nuint)mappedLength);
            mappedLength = 0;
        }
    }
}
