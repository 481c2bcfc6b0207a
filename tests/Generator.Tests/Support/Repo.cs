namespace Linux.Iommu.Interop.Generator.Tests.Support;

internal static class Repo
{
    public static string Root => global::Iommu.Tests.Shared.RepositoryRoot.Path;

    /// <summary>The committed model sets (headers/models/&lt;set&gt;/), by name.</summary>
    public static IReadOnlyList<string> Sets =>
        Directory.EnumerateDirectories(global::Iommu.Tests.Shared.RepositoryRoot.Combine("headers", "models"))
            .Where(d => File.Exists(Path.Combine(d, "x86_64.json"))).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();

    public static string ModelPath(string set, string arch) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("headers", "models", set, $"{arch}.json");
}
