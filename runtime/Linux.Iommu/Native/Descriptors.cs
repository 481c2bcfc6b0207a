using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.Native;

/// <summary>Opening character devices with the errno a caller can act on (EACCES, ENOENT, EBUSY...).</summary>
internal static class Descriptors
{
    public static SafeFileHandle Open(string path)
    {
        var fd = Posix.Open(path, Posix.O_RDWR | Posix.O_CLOEXEC);
        if (fd < 0) IommuException.Throw("open", IommuException.LastErrno, path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A descriptor the process received (fd passing from a management stack).</summary>
    public static SafeFileHandle Adopt(int fd, bool owns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new SafeFileHandle(fd, owns);
    }
}
