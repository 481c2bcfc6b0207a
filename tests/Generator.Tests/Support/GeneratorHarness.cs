using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Iommu.Tests.Shared;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Linux.Iommu.Interop.Generator.Tests.Support;

/// <summary>Runs the generator the way the compiler does: additional files with metadata, build properties,
/// a compilation of the consumer's sources; then compiles the result and can load it.</summary>
internal sealed class GeneratorHarness
{
    public sealed record Input(string Path, string Text, bool IsModel = false, bool IsCompared = false);

    private readonly List<Input> _files = new();
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly List<string> _sources = new();

    public GeneratorHarness Model(string path, string text)
    {
        _files.Add(new Input(path, text, IsModel: true));
        return this;
    }

    public GeneratorHarness CommittedModel(string set, string arch) => Model(Repo.ModelPath(set, arch), File.ReadAllText(Repo.ModelPath(set, arch)));

    /// <summary>Another kernel's model, compared with the chosen one for availability (IommuInteropModel="availability").</summary>
    public GeneratorHarness ComparedModel(string path, string text)
    {
        _files.Add(new Input(path, text, IsCompared: true));
        return this;
    }

    public GeneratorHarness ComparedCommittedModel(string set, string arch) => ComparedModel(Repo.ModelPath(set, arch), File.ReadAllText(Repo.ModelPath(set, arch)));

    public GeneratorHarness List(string text, string path = "/project/IommuInterop.txt")
    {
        _files.Add(new Input(path, text));
        return this;
    }

    public GeneratorHarness Property(string name, string value)
    {
        _properties[$"build_property.{name}"] = value;
        return this;
    }

    public GeneratorHarness Source(string text)
    {
        _sources.Add(text);
        return this;
    }

    // Diagnose mode makes the compiler check the generated XML docs (CS1570...), as a consumer with GenerateDocumentationFile would.
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public CSharpCompilation Compilation() =>
        CSharpCompilation.Create("Consumer",
            _sources.Select(s => CSharpSyntaxTree.ParseText(s, ParseOptions)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions([new("CS1591", ReportDiagnostic.Suppress)])); // the tests' own probe classes are undocumented

    /// <summary>The additional files as the driver sees them (one instance each, so tests can replace one).</summary>
    public IReadOnlyList<AdditionalText> Texts => _texts ??= _files.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)).ToList();

    private List<AdditionalText>? _texts;

    public GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            new[] { new IommuInteropGenerator().AsSourceGenerator() }.Concat(LibraryImportGenerators.Value),
            Texts,
            ParseOptions,
            new InMemoryBuildOptions(_properties, _files.Where(f => f.IsModel).Select(f => f.Path).ToHashSet(StringComparer.Ordinal),
                _files.Where(f => f.IsCompared).Select(f => f.Path).ToHashSet(StringComparer.Ordinal)),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public sealed record Result(GeneratorDriverRunResult Run, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
    {
        /// <summary>What our generator produced (the LibraryImport generator runs beside it).</summary>
        public GeneratorRunResult Ours => Run.Results.Single(r => r.Generator.GetGeneratorType() == typeof(IommuInteropGenerator));

        public string Source(string hintName) => Ours.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

        public IEnumerable<string> HintNames => Ours.GeneratedSources.Select(s => s.HintName);

        /// <summary>Compiler diagnostics of the generated code, warnings included (the tests want none).</summary>
        public ImmutableArray<Diagnostic> CompileDiagnostics => Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

        public Assembly Load()
        {
            using var stream = new MemoryStream();
            var emit = Output.Emit(stream);
            if (!emit.Success) throw new InvalidOperationException(string.Join("\n", emit.Diagnostics));
            stream.Position = 0;
            return new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(stream);
        }
    }

    public Result Run()
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(Compilation(), out var output, out var diagnostics);
        return new Result(driver.GetRunResult(), output, diagnostics);
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    /// <summary>The SDK's own LibraryImportGenerator, so the generated code's [LibraryImport] is implemented
    /// here exactly as in a real build (our fixed LibC helper depends on it).</summary>
    private static readonly Lazy<ImmutableArray<ISourceGenerator>> LibraryImportGenerators = new(() =>
    {
        var dotnetRoot = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var version = Directory.GetDirectories(packs).Select(Path.GetFileName).Where(v => v!.StartsWith($"{Environment.Version.Major}.", StringComparison.Ordinal))
            .OrderByDescending(v => Version.Parse(v!.Split('-')[0])).First();
        var path = Path.Combine(packs, version!, "analyzers", "dotnet", "cs", "Microsoft.Interop.LibraryImportGenerator.dll");
        return new Microsoft.CodeAnalysis.Diagnostics.AnalyzerFileReference(path, new AnalyzerLoader()).GetGenerators(LanguageNames.CSharp);
    });

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath) { }
        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
