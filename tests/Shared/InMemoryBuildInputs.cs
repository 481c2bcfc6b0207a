using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Iommu.Tests.Shared;

/// <summary>An additional file held in memory, as the compiler hands one to a generator.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path => path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>The build's view the IommuInterop generator reads: global <c>build_property.*</c> values and the
/// <c>IommuInteropModel</c> metadata on the model files ("true" on the model bindings come from, "availability" on the
/// other kernels' models compared with it). Linked into the generator tests and the generator benchmark, so both drive
/// the generator exactly as a consumer build does.</summary>
internal sealed class InMemoryBuildOptions(IReadOnlyDictionary<string, string> properties, IReadOnlySet<string> modelPaths,
    IReadOnlySet<string>? comparedPaths = null)
    : AnalyzerConfigOptionsProvider
{
    private static readonly Values None = new(new Dictionary<string, string>());
    private static readonly Values Model = new(new Dictionary<string, string> { ["build_metadata.AdditionalFiles.IommuInteropModel"] = "true" });
    private static readonly Values Compared = new(new Dictionary<string, string> { ["build_metadata.AdditionalFiles.IommuInteropModel"] = "availability" });

    /// <summary><paramref name="properties"/> by MSBuild name (IommuInteropArch), without the build_property. prefix.</summary>
    public static InMemoryBuildOptions Of(IReadOnlyDictionary<string, string> properties, IEnumerable<string> modelPaths) =>
        new(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value, StringComparer.Ordinal), modelPaths.ToHashSet(StringComparer.Ordinal));

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(properties);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        modelPaths.Contains(textFile.Path) ? Model : comparedPaths?.Contains(textFile.Path) == true ? Compared : None;

    private sealed class Values(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
