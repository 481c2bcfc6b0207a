using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Linux.Iommu.Interop.Generator.Model;

/// <summary>Where a diagnostic points: a line (and column range) of an additional file, or nowhere.</summary>
internal sealed record LocationInfo(string Path, int Line, int StartColumn, int EndColumn)
{
    public Location ToLocation() =>
        Location.Create(Path, new TextSpan(0, 0),
            new LinePositionSpan(new LinePosition(Line, StartColumn), new LinePosition(Line, EndColumn)));
}

/// <summary>A diagnostic as a value (descriptor ID and message arguments), so it can flow through the
/// cached pipeline; turned into a Roslyn <see cref="Diagnostic"/> only when reported.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Diagnostics.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Arguments.Items.ToArray());
}
