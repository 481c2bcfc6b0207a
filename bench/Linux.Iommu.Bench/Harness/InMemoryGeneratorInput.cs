using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Linux.Iommu.Bench.Harness;

/// <summary>What the compiler hands the generator in a consumer build: the model files (with the IommuInteropModel
/// metadata), the opt-in list and the build properties — held in memory so a benchmark measures only the generator.</summary>
internal sealed class InMemoryGeneratorInput(IReadOnlyList<AdditionalText> texts, IReadOnlySet<string> models, IReadOnlyDictionary<string, string> properties)
    : AnalyzerConfigOptionsProvider
{
    public IReadOnlyList<AdditionalText> Texts => texts;

    public static InMemoryGeneratorInput ForSet(string set, string arch, string optIn = "*")
    {
        var modelPaths = new[] { "x86_64", "aarch64" }.Select(a => RepoPaths.Model(set, a)).ToArray();
        var texts = modelPaths.Select(p => (AdditionalText)new Text(p, File.ReadAllText(p))).Append(new Text("/project/IommuInterop.txt", optIn)).ToList();
        return new InMemoryGeneratorInput(texts, modelPaths.ToHashSet(), new Dictionary<string, string> { ["build_property.IommuInteropArch"] = arch });
    }

    public override AnalyzerConfigOptions GlobalOptions => new Values(properties);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        new Values(models.Contains(textFile.Path) ? new Dictionary<string, string> { ["build_metadata.AdditionalFiles.IommuInteropModel"] = "true" } : new());

    private sealed class Text(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text);
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class Values(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
