namespace Linux.Iommu.Interop.Generator.Tests.Support;

internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ModelPath(string set, string arch) => Path.Combine(Root, "headers", "models", set, $"{arch}.json");

    private static string FindRoot()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Interop.sln"))) return dir;
        }
        throw new InvalidOperationException("Interop.sln not found above " + AppContext.BaseDirectory);
    }
}
