using Iommu.Tests.Shared;
using Linux.Iommu.Interop.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static Linux.Iommu.Interop.Generator.Tests.Support.TinyModel;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>The pipeline caches by value (dotnet/runtime's IncrementalGenerationTests pattern): a no-op
/// rerun and an unrelated source edit do no work; a list edit re-emits only what it touched.</summary>
public class IncrementalityTests
{
    private static readonly string Model = Build(
        records: Record("tiny_a", 8, 4, Field("size", 0, U32) + "," + Field("x", 4, U32)) + "," + Record("tiny_b", 4, 4, Field("y", 0, U32)),
        ioctls: Ioctl("TINY_A", 0x3b81, "tiny_a"));

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(IommuInteropGenerator))
            .TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void A_no_op_rerun_and_an_unrelated_source_edit_leave_every_step_cached()
    {
        var harness = new GeneratorHarness().Model(ModelPath, Model).List("TINY_A").Source("class Unrelated { }");
        var compilation = harness.Compilation();
        var driver = harness.Driver().RunGenerators(compilation, TestContext.Current.CancellationToken);

        var rerun = driver.RunGenerators(compilation, TestContext.Current.CancellationToken);
        foreach (var step in new[] { IommuInteropGenerator.StepNames.ParseModel, IommuInteropGenerator.StepNames.ParseList,
                     IommuInteropGenerator.StepNames.Select, IommuInteropGenerator.StepNames.Emit })
        {
            Assert.All(Reasons(rerun, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText("class Unrelated { int _changed; }", GeneratorHarness.ParseOptions, cancellationToken: TestContext.Current.CancellationToken));
        var afterEdit = rerun.RunGenerators(edited, TestContext.Current.CancellationToken);
        Assert.NotEmpty(Reasons(afterEdit, IommuInteropGenerator.StepNames.Emit));
        Assert.All(Reasons(afterEdit, IommuInteropGenerator.StepNames.Emit), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(afterEdit, IommuInteropGenerator.StepNames.ParseModel), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Adding_a_name_to_the_list_emits_only_the_new_item()
    {
        var harness = new GeneratorHarness().Model(ModelPath, Model).List("TINY_A");
        var compilation = harness.Compilation();
        var driver = harness.Driver().RunGenerators(compilation, TestContext.Current.CancellationToken);

        var list = harness.Texts.Single(t => t.Path.EndsWith("IommuInterop.txt", StringComparison.Ordinal));
        var rerun = driver.ReplaceAdditionalText(list, new InMemoryAdditionalText(list.Path, "TINY_A\ntiny_b\n")).RunGenerators(compilation, TestContext.Current.CancellationToken);

        // Roslyn compares a SelectMany's items by position: tiny_a keeps index 0 and is not re-emitted; the
        // items after the insertion point are compared against new neighbours and run again.
        var emit = rerun.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(IommuInteropGenerator))
            .TrackedSteps[IommuInteropGenerator.StepNames.Emit].SelectMany(s => s.Outputs)
            .ToDictionary(o => ((Emit.EmitResult)o.Value).HintName, o => o.Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, emit["Struct.tiny_a.g.cs"]);
        Assert.Equal(["Ioctl.TINY_A.g.cs", "Struct.tiny_a.g.cs", "Struct.tiny_b.g.cs"], emit.Keys.Order(StringComparer.Ordinal));
    }
}
