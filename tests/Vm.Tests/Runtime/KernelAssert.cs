using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>Assertions on what the kernel answered.</summary>
internal static class KernelAssert
{
    /// <summary><paramref name="call"/> throws <see cref="IommuException"/> naming <paramref name="operation"/> and <paramref name="errno"/>.</summary>
    public static IommuException Fails(string operation, int errno, Action call)
    {
        var error = Assert.Throws<IommuException>(call);
        Assert.Equal(operation, error.Operation);
        Assert.Equal(Name(errno), Name(error.Errno));
        Assert.StartsWith("E", error.ErrnoName); // a symbolic name in the message, not "errno 98"
        return error;
    }

    /// <summary>A Try method answered <paramref name="errno"/>: false with that errno, or true with errno 0 for 0; compared
    /// by name so a failure reads "EEXIST (17)" vs "EINVAL (22)".</summary>
    public static void Errno(int errno, bool succeeded, int actual)
    {
        Assert.Equal(Name(errno), Name(actual));
        Assert.Equal(actual == 0, succeeded); // true exactly when the errno is 0
    }

    /// <summary>A raw ioctl's <paramref name="result"/> (the kernel's 0 or -errno) is -<paramref name="errno"/>, or success
    /// for errno 0.</summary>
    public static void Errno(int errno, int result) =>
        Assert.Equal(Name(errno), result > 0 ? $"a positive result {result}, not an ioctl's 0 or -errno" : Name(-result));

    private static string Name(int errno) => errno == 0 ? "success (0)" : $"{Linux.Iommu.Errno.Name(errno)} ({errno})";
}
