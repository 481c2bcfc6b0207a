using Iommu.Scanner.Model;

namespace Iommu.Scanner;

/// <summary>A scan that cannot produce a complete model. <see cref="Id"/> is stable (SCANnnn, listed in
/// README); <see cref="Location"/> is the header line that was not understood, when there is one.</summary>
public sealed class ScanException(string id, string message, SourceLocation? location = null) : Exception(message)
{
    public string Id { get; } = id;
    public SourceLocation? Location { get; } = location;

    public override string ToString() =>
        (Location is { } at ? $"{at.File}:{at.Line}: " : "") + $"error {Id}: {Message}";
}
