using Iommu.Tests.Shared;
using Microsoft.CodeAnalysis;

namespace Linux.Iommu.Bench.Harness;

/// <summary>What the compiler hands the generator in a consumer build: the model files (with the IommuInteropModel
/// metadata), the opt-in list and the build properties — held in memory so a benchmark measures only the generator.</summary>
internal sealed record InMemoryGeneratorInput(IReadOnlyList<AdditionalText> Texts, InMemoryBuildOptions Options)
{
    public static InMemoryGeneratorInput ForSet(string set, string arch, string optIn = "*")
    {
        var modelPaths = new[] { "x86_64", "aarch64" }.Select(a => RepoPaths.Model(set, a)).ToArray();
        var texts = modelPaths.Select(p => (AdditionalText)new InMemoryAdditionalText(p, File.ReadAllText(p)))
            .Append(new InMemoryAdditionalText("/project/IommuInterop.txt", optIn)).ToList();
        return new InMemoryGeneratorInput(texts, InMemoryBuildOptions.Of(new Dictionary<string, string> { ["IommuInteropArch"] = arch }, modelPaths));
    }
}
