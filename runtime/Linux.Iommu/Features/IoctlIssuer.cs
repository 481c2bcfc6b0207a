using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Issues one raw ioctl with <paramref name="argument"/> as its argument buffer: 0 (or the non-negative result)
/// or -errno. The probes go through this so their decisions can be checked on a host without /dev/iommu.</summary>
internal delegate int IoctlIssuer(uint request, Span<byte> argument);

/// <summary>Raw ioctls on a descriptor, for probes that send sizes and flags the generated stubs never would.</summary>
internal static class RawIommufdIoctl
{
    public static unsafe int Issue(IommuFd iommu, uint request, Span<byte> argument)
    {
        using var fd = iommu.Lease();
        fixed (byte* pointer = argument)
        {
            var result = Linux.Iommu.Interop.LibC.ioctl(fd.Fd, request, pointer);
            return result < 0 ? -Marshal.GetLastSystemError() : result;
        }
    }

    /// <summary>The bytes of an ioctl argument struct, to send through an <see cref="IoctlIssuer"/>.</summary>
    public static byte[] Bytes<T>(T argument) where T : unmanaged => MemoryMarshal.AsBytes(new Span<T>(ref argument)).ToArray();
}
