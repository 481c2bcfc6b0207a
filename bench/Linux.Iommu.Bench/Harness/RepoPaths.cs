using Iommu.Tests.Shared;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Files of the repository the benchmarks read (found by <see cref="RepositoryRoot"/>).</summary>
internal static class RepoPaths
{
    public static string Model(string set, string arch) => RepositoryRoot.Combine("headers", "models", set, arch + ".json");
}
