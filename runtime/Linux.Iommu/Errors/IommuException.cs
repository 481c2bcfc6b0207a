using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Interop;

namespace Linux.Iommu;

/// <summary>A kernel call that failed: <see cref="Operation"/> names the ioctl (or syscall),
/// <see cref="Errno"/> is the kernel's error, e.g. "IOMMU_IOAS_MAP failed: EEXIST (17): File exists".</summary>
public class IommuException : IOException
{
    /// <summary>A failure of <paramref name="operation"/> with <paramref name="errno"/>; <paramref name="detail"/> says on what.</summary>
    public IommuException(string operation, int errno, string? detail = null)
        : base($"{operation} failed: {ErrnoNames.Name(errno)} ({errno}): {Marshal.GetPInvokeErrorMessage(errno)}{(detail is null ? "" : " - " + detail)}")
    {
        Operation = operation;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The ioctl or syscall, by its kernel name.</summary>
    public string Operation { get; }

    /// <summary>The positive errno value.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name (EEXIST...).</summary>
    public string ErrnoName => ErrnoNames.Name(Errno);

    /// <summary>Throws for a negative result (-errno, as the generated Try stubs return it); returns a non-negative one.
    /// Kept small so the hot path inlines it and the throw stays out of line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Check(int result, string operation)
    {
        if (result < 0) Throw(operation, -result);
        return result;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Throw(string operation, int errno, string? detail = null) => throw new IommuException(operation, errno, detail);

    /// <summary>errno of the last libc call made through a SetLastError import.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();
}
