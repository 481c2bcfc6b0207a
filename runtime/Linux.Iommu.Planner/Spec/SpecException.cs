namespace Linux.Iommu.Planner;

/// <summary>A vIOMMU spec that cannot be planned, refused before any device is touched. Thrown by
/// <see cref="SpecLoader.Load"/>, <see cref="SpecLoader.Parse"/> and <see cref="ViommuPlanner.LoadSpec"/>: for a missing
/// file (<see cref="Field"/> <c>(file)</c>), text that is no JSON (<c>line N</c>, where the parser stopped; truncated
/// text is called so) or no JSON object (<c>(document)</c>), an unknown, missing or
/// malformed field, a model no registered <see cref="ViommuModel"/> has, a model's block given for another model, and
/// whatever the model's own <see cref="ViommuModel.ReadFields"/> and <see cref="ViommuModel.Validate"/> refuse.
/// <see cref="Exception.Message"/> is <c>vIOMMU spec: FIELD: PROBLEM</c>.</summary>
/// <param name="field">The offending field, as a JSON path.</param>
/// <param name="problem">What is wrong with it.</param>
public sealed class SpecException(string field, string problem) : Exception($"vIOMMU spec: {field}: {problem}")
{
    /// <summary>The offending field, as a JSON path from the document root (<c>pageSizes[1]</c>, <c>smmuv3.outputAddressBits</c>).</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with <see cref="Field"/> (<c>3000 is not a power of two of at least 4096</c>).</summary>
    public string Problem { get; } = problem;
}
