using System.Collections.Concurrent;

namespace Iommu.Scanner.Tests.Support;

/// <summary>The pinned header sets, fetched and unpacked through headers/extract-set.sh (cached per user).
/// A pin Debian no longer serves is reported by name (exit 3 of the script), not as a crash.</summary>
internal static class HeaderSets
{
    private static readonly ConcurrentDictionary<string, Lazy<(string? Include, string Error)>> Cache = new();

    /// <summary>The include dir of a set of headers/sets.conf (an overlay for a set from a kernel source package),
    /// or why it cannot be had.</summary>
    public static (string? Include, string Error) TryGet(string set) =>
        Cache.GetOrAdd(set, _ => new Lazy<(string?, string)>(() =>
        {
            var result = Processes.Run("bash", [Repo.Path("headers", "extract-set.sh"), "--set", set]);
            return result.ExitCode == 0 ? (result.Stdout.Trim(), "") : (null, $"{set}: exit {result.ExitCode}: {result.Stderr.Trim()}");
        })).Value;

    public static string Include(string set)
    {
        var (include, error) = TryGet(set);
        if (include is null)
        {
            Assert.Skip($"header set {set} cannot be fetched, so it is not checked here: {error}");
        }
        return include;
    }
}
