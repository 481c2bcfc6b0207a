namespace Iommu.Scanner.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string ModelPath(string set, string arch) => Path("headers", "models", set, $"{arch}.json");

    /// <summary>The header sets of headers/sets.conf: (set, package, version).</summary>
    public static IReadOnlyList<(string Set, string Package, string Version)> Sets { get; } =
        File.ReadAllLines(Path("headers", "sets.conf"))
            .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (p[0], p[1], p[2]))
            .ToList();

    public static readonly string[] Archs = ["x86_64", "aarch64"];

    private static string FindRoot()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(System.IO.Path.Combine(dir, "Interop.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("Interop.sln not found above " + AppContext.BaseDirectory);
    }
}
