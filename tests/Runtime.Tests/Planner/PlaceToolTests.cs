using System.Text.Json;
using Iommu.Tests.Shared;
using Linux.Iommu.Cli;

namespace Linux.Iommu.Tests.Planner;

/// <summary><c>iommu place</c> as a user runs it: the table and the JSON over the recorded hosts, the exit code that
/// says whether every spec has a host, and a bad record answered with exit 1 naming the file and where (a bad command
/// line or path: <see cref="IommuToolTests"/>, with every command's).</summary>
public class PlaceToolTests
{
    private static string Spec(string name) => RepositoryRoot.Combine("examples", "specs", name + ".json");

    private static readonly string Hosts = RepositoryRoot.Combine("tests", "data", "hosts");

    private static ProcessResult Place(params string[] args) => IommuToolTests.Iommu(["place", .. args]);

    [Fact]
    public void The_table_has_a_row_per_host_a_column_per_spec_and_exit_0_when_every_spec_has_a_host()
    {
        var result = Place("--spec", Spec("vtd-shadow-4k"), "--spec", Spec("smmuv3-qemu-virt"), "--hosts", Hosts);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Output);
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(["host", "vtd-shadow-4k", "smmuv3-qemu-virt"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["qemu-smmuv3", "REFUSED", "shadow.iova-range", "Nested"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["qemu-vtd-legacy", "Shadow", "vtd.guest.first-stage", "Shadow", "host.model"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("vtd-shadow-4k: placed on 2 of 4 host(s) (Nested 0, Shadow 2)", lines);
    }

    [Fact]
    public void A_spec_refused_on_every_host_exits_3_and_is_named()
    {
        var result = Place("--spec", Spec("vtd-shadow-4k"), Spec("vtd-refused-57bit"), "--hosts", Path.Combine(Hosts, "qemu-vtd-legacy.json"), Path.Combine(Hosts, "qemu-smmuv3.json"));

        Assert.True(result.ExitCode == ExitCodes.Refused, result.Output);
        Assert.Contains("vtd-refused-57bit: placed on no host", result.Stdout);
    }

    [Fact]
    public void The_JSON_is_the_documented_format_and_keeps_the_exit_code()
    {
        var result = Place("--spec", Spec("vtd-refused-57bit"), "--hosts", Hosts, "--json");

        Assert.True(result.ExitCode == ExitCodes.Refused, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("linux-iommu-placement/1", json.RootElement.GetProperty("format").GetString());
        var legacy = json.RootElement.GetProperty("specs")[0].GetProperty("placements").EnumerateArray().Single(p => p.GetProperty("host").GetString() == "qemu-vtd-legacy");
        Assert.Equal("refused", legacy.GetProperty("decision").GetString());
        Assert.Equal(["nested:vtd.guest.first-stage", "shadow:shadow.address-width"],
            legacy.GetProperty("failed").EnumerateArray().Select(f => $"{f.GetProperty("branch").GetString()}:{f.GetProperty("id").GetString()}"));
    }

    [Fact]
    public void A_bad_record_in_the_fleet_exits_1_naming_the_file_and_where_and_prints_no_table()
    {
        var fleet = Directory.CreateTempSubdirectory("fleet-");
        try
        {
            File.Copy(Path.Combine(Hosts, "qemu-vtd-legacy.json"), Path.Combine(fleet.FullName, "a.json"));
            var record = File.ReadAllText(Path.Combine(Hosts, "qemu-smmuv3.json"));
            var truncated = Path.Combine(fleet.FullName, "b.json");
            File.WriteAllText(truncated, record[..(record.Length / 2)]);

            var (exit, stdout, error) = Place("--spec", Spec("vtd-shadow-4k"), "--hosts", fleet.FullName);

            Assert.Equal(ExitCodes.Error, exit);
            Assert.Equal("", stdout);
            Assert.Matches($"^iommu: recorded host {truncated}: line [0-9]+: not valid JSON: the text ends before the JSON does \\(truncated\\?\\)", error);
            Assert.DoesNotContain("   at ", error);

            File.WriteAllText(truncated, record.Replace("\"hostPageSize\": 4096", "\"hostPageSize\": \"4 KiB\""));
            Assert.Equal($"iommu: recorded host {truncated}: hostPageSize: '4 KiB' is not a size or address", Place("--spec", Spec("vtd-shadow-4k"), "--hosts", fleet.FullName).Stderr.Trim());
        }
        finally
        {
            fleet.Delete(recursive: true);
        }
    }

    [Fact]
    public void Help_names_the_place_exit_codes()
    {
        var (exit, output, _) = Place("--help");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(ExitCodes.PlaceHelp, output.ReplaceLineEndings(" "));
    }
}
