namespace Iommu.Scanner;

/// <summary>A scan that cannot produce a complete model. <see cref="Id"/> is stable (SCANnnn, listed in
/// docs/generator.md); <see cref="Location"/> is the header line that was not understood, when there is one.</summary>
public sealed class ScanException : Exception
{
    internal ScanException(string id, string message, SourceLocation? location = null) : base(message)
    {
        Id = id;
        Location = location;
    }

    public string Id { get; }

    internal SourceLocation? Location { get; }

    public override string ToString() =>
        (Location is { } at ? $"{at.File}:{at.Line}: " : "") + $"error {Id}: {Message}";
}
