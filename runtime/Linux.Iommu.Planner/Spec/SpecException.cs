namespace Linux.Iommu.Planner;

/// <summary>A vIOMMU spec that cannot be planned: <see cref="Field"/> names the JSON field (e.g. <c>pageSizes[1]</c>).</summary>
public sealed class SpecException(string field, string problem) : Exception($"vIOMMU spec: {field}: {problem}")
{
    /// <summary>The offending field, as a JSON path.</summary>
    public string Field { get; } = field;
}
