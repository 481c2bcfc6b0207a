namespace Linux.Iommu.Interop.Generator.Tests.Support;

internal static class Repo
{
    public static string Root => global::Iommu.Tests.Shared.RepositoryRoot.Path;

    public static string ModelPath(string set, string arch) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("headers", "models", set, $"{arch}.json");
}
