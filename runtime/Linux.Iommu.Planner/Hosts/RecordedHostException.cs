namespace Linux.Iommu.Planner;

/// <summary>A recorded host (<c>linux-iommu-host/1</c>) that cannot be read. Thrown by <see cref="RecordedHostJson.Load"/>
/// and <see cref="RecordedHostJson.Parse"/> for a missing file (<see cref="Field"/> <c>(file)</c>), text that is no JSON
/// (<c>line N</c>, where the parser stopped; a truncated record is called so) or no JSON object (<c>(document)</c>),
/// another format version or none (<c>format</c>, checked first), and an unknown, missing, ill-typed or malformed field
/// (hw_info data that is no hex, IOVA ranges out of order, a device name given twice...); by
/// <see cref="HostFleet.Load"/> also for a folder without records (<c>(folder)</c>) and two files of one name.
/// <see cref="Exception.Message"/> is
/// <c>recorded host SOURCE: FIELD: PROBLEM</c>.</summary>
/// <param name="source">The file's path, or the name given to <see cref="RecordedHostJson.Parse"/>.</param>
/// <param name="field">The offending field, as a JSON path.</param>
/// <param name="problem">What is wrong with it.</param>
public sealed class RecordedHostException(string source, string field, string problem) : Exception($"recorded host {source}: {field}: {problem}")
{
    /// <summary>The file's path, or the name given to <see cref="RecordedHostJson.Parse"/> (<c>(text)</c> by default).</summary>
    public string Origin { get; } = source;

    /// <summary>The offending field, as a JSON path from the document root (<c>devices[0].hwInfo.data</c>).</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with <see cref="Field"/>.</summary>
    public string Problem { get; } = problem;
}
