namespace Linux.Iommu.Planner;

/// <summary>A recorded host file that cannot be read: <see cref="Field"/> names the JSON field (e.g. <c>devices[0].hwInfo.data</c>).</summary>
public sealed class RecordedHostException(string source, string field, string problem) : Exception($"recorded host {source}: {field}: {problem}")
{
    /// <summary>The offending field, as a JSON path.</summary>
    public string Field { get; } = field;
}
