using System.Collections.Concurrent;

namespace Iommu.Scanner.Tests.Support;

/// <summary>The pinned header sets, fetched and unpacked through headers/extract-set.sh (cached per user).
/// A pin Debian no longer serves is reported by name (exit 3 of the script), not as a crash.</summary>
internal static class HeaderSets
{
    private static readonly ConcurrentDictionary<string, Lazy<(string? Include, string Error)>> Cache = new();

    public static (string? Include, string Error) TryGet(string package, string version) =>
        Cache.GetOrAdd($"{package}={version}", _ => new Lazy<(string?, string)>(() =>
        {
            var result = Run.Program("bash", [Repo.Path("headers", "extract-set.sh"), package, version]);
            return result.ExitCode == 0 ? (result.Stdout.Trim(), "") : (null, $"{package} {version}: exit {result.ExitCode}: {result.Stderr.Trim()}");
        })).Value;

    public static string Include(string set)
    {
        var (_, package, version) = Repo.Sets.Single(s => s.Set == set);
        var (include, error) = TryGet(package, version);
        if (include is null)
        {
            Assert.Skip($"header set {set} cannot be fetched, so it is not checked here: {error}");
        }
        return include;
    }
}
