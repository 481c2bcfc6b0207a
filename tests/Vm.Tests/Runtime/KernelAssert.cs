using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>Assertions on what the kernel answered.</summary>
internal static class KernelAssert
{
    /// <summary><paramref name="call"/> throws the runtime's <see cref="IommuException"/> naming <paramref name="operation"/> and <paramref name="errno"/>.</summary>
    public static IommuException Fails(string operation, int errno, Action call)
    {
        var error = Assert.Throws<IommuException>(call);
        Assert.Equal(operation, error.Operation);
        Assert.Equal(Name(errno), Name(error.Errno));
        Assert.StartsWith("E", error.ErrnoName); // a symbolic name in the message, not "errno 98"
        return error;
    }

    /// <summary>A Try method's errno is <paramref name="errno"/>; compared by name so a failure reads "EEXIST" vs "EINVAL".</summary>
    public static void Errno(int errno, int actual) => Assert.Equal(Name(errno), Name(actual));

    private static string Name(int errno) => errno == 0 ? "success (0)" : $"{new IommuException("errno", errno).ErrnoName} ({errno})";
}

/// <summary>errno values the runtime never decides on, so <see cref="Linux.Iommu.Errno"/> leaves them out (asm-generic/errno*.h).</summary>
internal static class TestErrno
{
    public const int ENOTTY = 25;
    public const int EBADFD = 77;
}
