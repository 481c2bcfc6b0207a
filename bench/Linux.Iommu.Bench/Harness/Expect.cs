using Linux.Iommu.Native;

namespace Linux.Iommu.Bench.Harness;

/// <summary>A benchmark that silently measured a failing ioctl would publish a wrong number: fail loudly instead.
/// Allocates only on the failure path.</summary>
internal static class Expect
{
    /// <summary>Throws for a Try method that failed with <paramref name="errno"/>.</summary>
    public static void Ok(bool succeeded, int errno, string operation)
    {
        if (!succeeded) IommuException.Throw(operation, errno, "during a benchmark");
    }
}
