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
        foreach (var (set, package, version) in Repo.Sets)
        {
            var (include, error) = HeaderSets.TryGet(package, version);
            if (include is null)
            {
                gone.Add(error);
                continue;
            }
            foreach (var arch in Repo.Archs)
            {
                var model = HeaderSetScanner.Scan(new ScanRequest(include, ["linux/iommufd.h", "linux/vfio.h"], arch, new HeaderSet(set, package, version)));
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
        Assert.Equal(text, ModelJsonWriter.Write(ModelJsonReader.Read(text)));
    }

    [Fact]
    public void Committed_diff_reports_match_the_models()
    {
        var sets = Repo.Sets.Select(s => s.Set).ToList();
        for (var i = 1; i < sets.Count; i++)
        {
            foreach (var arch in Repo.Archs)
            {
                var report = Diff.ModelDiff.Compare(ModelJsonReader.ReadFile(Repo.ModelPath(sets[i - 1], arch)), ModelJsonReader.ReadFile(Repo.ModelPath(sets[i], arch)));
                var committed = File.ReadAllText(Repo.Path("headers", "models", "diffs", $"{sets[i - 1]}..{sets[i]}.{arch}.md"));
                Assert.Equal(committed, Diff.DiffReportWriter.Table(report));
            }
        }
    }
}
