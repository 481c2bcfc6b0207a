using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.Native;

/// <summary>Opening character devices with the errno a caller can act on (EACCES, ENOENT, EBUSY...).</summary>
internal static class Descriptors
{
    public static SafeFileHandle Open(string path)
    {
        var fd = Posix.Open(path, Posix.O_RDWR | Posix.O_CLOEXEC);
        if (fd < 0) IommuException.Throw("open", Posix.LastErrno, path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A descriptor the process received (fd passing from a management stack); <paramref name="api"/> and
    /// <paramref name="what"/> name the caller and the file the descriptor must be open on, for the error.</summary>
    public static SafeFileHandle Adopt(int fd, bool owns, string api, string what)
    {
        if (fd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fd), fd,
                $"{api}({fd}): a file descriptor is the non-negative number of a descriptor this process has open on {what} (for example one a management stack passed in)");
        }
        return new SafeFileHandle(fd, owns);
    }
}
