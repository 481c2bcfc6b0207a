namespace Linux.Iommu.Bench.Harness;

/// <summary>A benchmark that silently measured a failing ioctl would publish a wrong number: fail loudly instead.
/// Allocates only on the failure path.</summary>
internal static class Expect
{
    public static void Ok(int errno, string operation)
    {
        if (errno != 0) throw new IommuException(operation, errno, "during a benchmark");
    }
}
