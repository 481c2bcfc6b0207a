namespace Linux.Iommu.Cli;

/// <summary>What a command that failed while running prints: one line of what went wrong (never a stack trace) and
/// exit 1. The exceptions the libraries document carry a message written for people; anything else is named by its
/// type, as a fault of the tool.</summary>
internal static class Failures
{
    public static int Report(Exception e)
    {
        var expected = e is IOException // IommuException and its kin among them
            or UnauthorizedAccessException or InvalidOperationException or NotSupportedException or ArgumentException or TimeoutException
            or Planner.SpecException or Planner.RecordedHostException or Nvme.NvmeException;
        var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
        Console.Error.WriteLine(expected ? $"iommu: {message}" : $"iommu: unexpected {e.GetType().Name}: {message}");
        return ExitCodes.Error;
    }
}
