using Linux.Iommu.Native;

namespace Linux.Iommu.Bench.Harness;

/// <summary>A benchmark that silently measured a failing ioctl would publish a wrong number: fail loudly instead.
/// Allocates only on the failure path.</summary>
internal static class Expect
{
    /// <summary>Throws for a Try method's negative result (-errno).</summary>
    public static void Ok(int result, string operation)
    {
        if (result < 0) IommuException.Throw(operation, -result, "during a benchmark");
    }
}
