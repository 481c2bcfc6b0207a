namespace Iommu.Scanner.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repo
{
    public static string Root => global::Iommu.Tests.Shared.RepositoryRoot.Path;

    public static string Path(params string[] parts) => global::Iommu.Tests.Shared.RepositoryRoot.Combine(parts);

    public static string ModelPath(string set, string arch) => Path("headers", "models", set, $"{arch}.json");

    /// <summary>The header sets of headers/sets.conf, in file order.</summary>
    public static IReadOnlyList<SetLine> Sets { get; } =
        File.ReadAllLines(Path("headers", "sets.conf"))
            .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => new SetLine(p[0], p[1], p[2], p.Length > 3 ? p[3].Split(',') : SetLine.DefaultHeaders, p.Length > 4 ? p[4] : null))
            .ToList();

    public static readonly string[] Archs = ["x86_64", "aarch64"];
}

/// <summary>One line of headers/sets.conf: a set, its pinned package, the headers scanned (relative to its include
/// dir) and, for headers taken from a kernel source package, the set whose include dir they are laid over.</summary>
internal sealed record SetLine(string Set, string Package, string Version, IReadOnlyList<string> Headers, string? Over)
{
    public static readonly string[] DefaultHeaders = ["linux/iommufd.h", "linux/vfio.h"];

    /// <summary>Sets whose models are diffed against each other: one package series (linux-source-7.3 and
    /// -7.4 are one) scanning the same headers.</summary>
    public string Family => System.Text.RegularExpressions.Regex.Replace(Package, @"-[0-9][0-9.]*$", "") + " " + string.Join(',', Headers.Select(h => h.TrimEnd('?')));
}
