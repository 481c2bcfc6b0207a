using System.Reflection;
using Iommu.Abi;
using Linux.Iommu.Interop.Generator.Tests.Support;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>Everything of every committed model generated at once ("*"), compiled with zero warnings,
/// loaded, and measured: every size, alignment, offset, bitfield, constant and request number the
/// runtime sees equals the model's — the numbers the scanner's C probe proves equal to gcc's.</summary>
public class FullGenerationTests
{
    /// <summary>Every committed set (the selftest mock's among them: a union of unnamed structs), both architectures.</summary>
    public static TheoryData<string, string> Models()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in Repo.Sets)
            foreach (var arch in new[] { "x86_64", "aarch64" })
                data.Add(set, arch);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Whole_model_generates_compiles_without_warnings_and_matches_the_C_layout(string set, string arch)
    {
        var model = ModelReader.Read(Repo.ModelPath(set, arch), File.ReadAllText(Repo.ModelPath(set, arch)));
        var result = new GeneratorHarness()
            .CommittedModel(set, arch)
            .Property("IommuInteropArch", arch)
            .List("*")
            .Source(CSharpLayoutProbe.Source(model))
            .Run();

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);

        var facts = (List<(string, string)>)result.Load().GetType("LayoutProbe")!.GetMethod("Facts", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;
        var expected = CSharpLayoutProbe.Expected(model);
        Assert.Equal(expected.Count, facts.Count);
        var mismatches = expected.Zip(facts).Where(p => p.First != p.Second).Select(p => $"{p.First.Item1}: model {p.First.Item2}, C# {p.Second.Item2}").ToList();
        Assert.Empty(mismatches);
    }
}
