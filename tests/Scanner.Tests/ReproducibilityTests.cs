using Iommu.Scanner.Model;
using Iommu.Scanner.Scan;
using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>The committed models are exactly what the scanner makes of the pinned headers today.</summary>
public class ReproducibilityTests
{
    [Fact]
    public void Committed_models_reproduce_byte_for_byte_from_a_fresh_scan()
    {
        var gone = new List<string>();
        var compared = 0;
        foreach (var (set, package, version, headers, _) in Repo.Sets)
        {
            var (include, error) = HeaderSets.TryGet(set);
            if (include is null)
            {
                gone.Add(error);
                continue;
            }
            foreach (var arch in Repo.Archs)
            {
                var model = HeaderSetScanner.Scan(new ScanRequest(include, headers, arch, new HeaderSet(set, package, version)));
                Assert.Equal(File.ReadAllText(Repo.ModelPath(set, arch)), ModelJsonWriter.Write(model));
                compared++;
            }
        }
        // A pin Debian stopped serving is named here; at least one set must still be fetchable to prove anything.
        Assert.True(compared > 0, "no pinned header set could be fetched: " + string.Join("; ", gone));
        foreach (var missing in gone)
        {
            TestContext.Current.AddWarning("pinned header set no longer served (update headers/packages.lock): " + missing);
        }
    }

    [Fact]
    public void Model_json_round_trips_through_the_reader()
    {
        var text = File.ReadAllText(Repo.ModelPath("linux-7.3", "x86_64"));
        Assert.Equal(text, ModelJsonWriter.Write(ModelReader.Read("", text)));
    }

    [Fact]
    public void Committed_diff_reports_match_the_models()
    {
        var expected = DiffedPairs().SelectMany(p => Repo.Archs.Select(arch => (p.From, p.To, Arch: arch))).ToList();
        foreach (var (from, to, arch) in expected)
        {
            var report = Diff.ModelDiff.Compare(ModelFile.Read(Repo.ModelPath(from, arch)), ModelFile.Read(Repo.ModelPath(to, arch)));
            var committed = File.ReadAllText(Repo.Path("headers", "models", "diffs", $"{from}..{to}.{arch}.md"));
            Assert.Equal(committed, Diff.DiffReportWriter.Table(report));
        }
        // and no report of a pair scan.sh does not diff (sets of different families, e.g. the selftest header vs the uAPI)
        Assert.Equal(expected.Select(e => $"{e.From}..{e.To}.{e.Arch}.md").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(Repo.Path("headers", "models", "diffs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_consecutive_sets_of_one_family_are_diffed()
    {
        Assert.Contains(("linux-6.1", "linux-6.12"), DiffedPairs());
        Assert.Contains(("linux-6.12", "linux-7.3"), DiffedPairs());
        Assert.Contains(("iommufd-test-6.12", "iommufd-test-7.3"), DiffedPairs());
        // the selftest header is never diffed against the uAPI
        Assert.DoesNotContain(DiffedPairs(), p => p.From.StartsWith("iommufd-test", StringComparison.Ordinal) != p.To.StartsWith("iommufd-test", StringComparison.Ordinal));
    }

    /// <summary>Each set against the nearest earlier set of its family (headers/scan.sh does the same).</summary>
    private static List<(string From, string To)> DiffedPairs()
    {
        var sets = Repo.Sets;
        var pairs = new List<(string, string)>();
        for (var i = 1; i < sets.Count; i++)
        {
            if (sets.Take(i).LastOrDefault(s => s.Family == sets[i].Family) is { } previous)
            {
                pairs.Add((previous.Set, sets[i].Set));
            }
        }
        return pairs;
    }
}
