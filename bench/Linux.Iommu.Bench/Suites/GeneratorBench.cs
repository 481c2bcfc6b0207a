using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Interop.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Linux.Iommu.Bench.Suites;

/// <summary>The source generator, driven in memory as the compiler drives it: full generation of everything ("*")
/// of a kernel's model (both headers, iommufd.h and vfio.h), and the rerun after an unrelated source edit, which the
/// incremental pipeline should answer from its caches. Only our generator runs (not LibraryImport's). Host.</summary>
[MemoryDiagnoser]
public class GeneratorBench : IProbed
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);
    private InMemoryGeneratorInput? _input;
    private CSharpCompilation? _compilation, _edited;
    private GeneratorDriver? _warm;

    [Params("linux-6.12", "linux-7.3")]
    public string Set { get; set; } = "linux-7.3";

    [GlobalSetup]
    public void Setup()
    {
        _input = InMemoryGeneratorInput.ForSet(Set, "x86_64");
        _compilation = CSharpCompilation.Create("Consumer", [CSharpSyntaxTree.ParseText("class Unrelated { }", Parse)]);
        _edited = _compilation.ReplaceSyntaxTree(_compilation.SyntaxTrees[0], CSharpSyntaxTree.ParseText("class Unrelated { int _edited; }", Parse));
        _warm = NewDriver(track: false).RunGenerators(_compilation);
    }

    private GeneratorDriver NewDriver(bool track) =>
        CSharpGeneratorDriver.Create([new IommuInteropGenerator().AsSourceGenerator()], _input!.Texts, Parse, _input.Options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    [Benchmark]
    public GeneratorDriver FullGeneration() => NewDriver(track: false).RunGenerators(_compilation!);

    [Benchmark]
    public GeneratorDriver IncrementalNoOpEdit() => _warm!.RunGenerators(_edited!);

    /// <summary>Files generated, and emit steps that did real work (not Cached/Unchanged) on the no-op edit's rerun.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var set in new[] { "linux-6.12", "linux-7.3" })
        {
            Set = set;
            Setup();
            var first = NewDriver(track: true).RunGenerators(_compilation!);
            var rerun = first.RunGenerators(_edited!).GetRunResult().Results.Single();
            var worked = rerun.TrackedSteps.Where(s => s.Key is IommuInteropGenerator.StepNames.ParseModel or IommuInteropGenerator.StepNames.Select or IommuInteropGenerator.StepNames.Emit)
                .SelectMany(s => s.Value).SelectMany(s => s.Outputs)
                .Count(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
            yield return (CaseKey.Of(this, nameof(FullGeneration)).Measure("files"), first.GetRunResult().Results.Single().GeneratedSources.Length);
            yield return (CaseKey.Of(this, nameof(IncrementalNoOpEdit)).Measure("steps-rerun"), worked);
        }
    }
}
