using Iommu.Tests.Shared;
using Linux.Iommu.Cli;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The `iommu` tool as a user runs it (a process, from the repository root): exit codes, every command's bad
/// command line and missing file answered with its usage or the path and exit 2 (never a stack trace), the spec read
/// and validated before anything of the host is looked at, and what a host without iommufd is told.</summary>
public class IommuToolTests
{
    internal static ProcessResult Iommu(params string[] args) =>
        Processes.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "iommu.dll"), .. args], workingDirectory: RepositoryRoot.Path);

    [Fact]
    public void Help_names_the_exit_codes()
    {
        foreach (var command in new[] { "--help", "plan --help", "probe --help", "nvme --help" })
        {
            var (exit, output, _) = Iommu(command.Split(' '));
            Assert.Equal(ExitCodes.Ok, exit);
            Assert.Contains(ExitCodes.Help, output.ReplaceLineEndings(" "));
        }
    }

    [Theory]
    [InlineData("", "iommu")]
    [InlineData("frobnicate", "iommu")]
    [InlineData("scan --include /usr/include", "iommu")] // header maintenance is the scanner's (iommu-scan), not the tool's
    [InlineData("diff a.json b.json", "iommu")]
    [InlineData("probe extra", "iommu probe")]
    [InlineData("probe --bogus", "iommu probe")]
    [InlineData("plan", "iommu plan")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --host-passthrough", "iommu plan")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --host tests/data/hosts/qemu-vtd-legacy.json --device /dev/vfio/devices/vfio0", "iommu plan")]
    [InlineData("plan --spek examples/specs/vtd-shadow-4k.json", "iommu plan")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --host tests/data/hosts/qemu-vtd-legacy.json --backend type1", "iommu plan")]
    [InlineData("probe --backend bogus", "iommu probe")]
    [InlineData("probe --device bogus", "iommu probe")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --device 0000:00:03.0 --device 3", "iommu plan")]
    [InlineData("plan --spec", "iommu plan")]
    [InlineData("place --hosts tests/data/hosts", "iommu place")]
    [InlineData("place --spec examples/specs/vtd-shadow-4k.json", "iommu place")]
    [InlineData("place --spec examples/specs/vtd-shadow-4k.json --spec examples/specs/vtd-shadow-4k.json --hosts tests/data/hosts", "iommu place")]
    [InlineData("examples extra", "iommu examples")]
    [InlineData("nvme", "iommu nvme")]
    [InlineData("nvme identify extra", "iommu nvme identify")]
    [InlineData("nvme read", "iommu nvme read")]
    [InlineData("nvme read --lba x", "iommu nvme read")]
    [InlineData("nvme read --lba 0 --blocks 0", "iommu nvme read")]
    [InlineData("nvme write --lba 0", "iommu nvme write")]
    public void A_wrong_command_line_exits_2_with_the_commands_usage(string command, string usage)
    {
        var (exit, stdout, error) = Iommu(command.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("iommu: ", error);
        Assert.Contains($"Usage:\n  {usage} [", error.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("   at ", error);
    }

    /// <summary>Every option that names a file, each way it can be wrong: the path and the problem, exit 2, before any
    /// device or /dev/iommu is looked at.</summary>
    [Theory]
    [InlineData("plan --spec {missing}", "--spec {missing}: no such file")]
    [InlineData("plan --spec examples/specs", "--spec {root}/examples/specs: a directory, not a file")]
    [InlineData("plan --host-passthrough --host {missing}", "--host {missing}: no such file")]
    [InlineData("probe --save {folder}/x.json", "--save {folder}/x.json: no such directory {folder}")]
    [InlineData("probe --save examples", "--save {root}/examples: a directory, not a file")]
    [InlineData("nvme read --lba 0 --out {folder}/x.bin", "--out {folder}/x.bin: no such directory {folder}")]
    [InlineData("nvme write --lba 0 --in {missing}", "--in {missing}: no such file")]
    [InlineData("place --spec {missing} --hosts tests/data/hosts", "--spec {missing}: no such file")]
    [InlineData("place --spec examples/specs --hosts tests/data/hosts", "--spec {root}/examples/specs: a directory, not a file")]
    [InlineData("place --spec examples/specs/vtd-shadow-4k.json --hosts {missing}", "--hosts {missing}: no such file or directory")]
    [InlineData("place --spec examples/specs/vtd-shadow-4k.json --hosts examples", "--hosts {root}/examples: a directory without *.json files")]
    public void A_file_that_cannot_be_used_is_named_and_exits_2(string command, string says)
    {
        string Fill(string text) => text.Replace("{missing}", "/nonexistent/file.json").Replace("{folder}", "/nonexistent")
            .Replace("{root}", RepositoryRoot.Path);
        var (exit, _, error) = Iommu(Fill(command).Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith($"iommu: {Fill(says)}\n", error.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_bad_spec_is_refused_naming_the_field_even_against_a_recorded_host()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-spec-{Environment.ProcessId}.json");
        var badHost = Path.Combine(Path.GetTempPath(), $"bad-host-{Environment.ProcessId}.json");
        File.WriteAllText(bad, """{ "model": "intel-vtd", "inputAddressWidth": 48, "pageSizes": ["4K", 3000], "iovaRanges": [] }""");
        try
        {
            File.WriteAllText(badHost, "{}");
            foreach (var extra in new[] { Array.Empty<string>(), ["--host", badHost] })
            {
                var (exit, _, error) = Iommu(["plan", "--spec", bad, .. extra]);
                Assert.Equal(ExitCodes.Error, exit);
                Assert.Equal("iommu: vIOMMU spec: pageSizes[1]: 3000 is not a power of two of at least 4096", error.Trim());
            }
        }
        finally
        {
            File.Delete(bad);
            File.Delete(badHost);
        }
    }

    [Fact]
    public void A_recorded_host_that_is_not_one_is_named()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-host-{Environment.ProcessId}.json");
        File.WriteAllText(bad, "{}");
        try
        {
            var (exit, _, error) = Iommu("plan", "--spec", "examples/specs/vtd-shadow-4k.json", "--host", bad);

            Assert.Equal(ExitCodes.Error, exit);
            Assert.StartsWith($"iommu: recorded host {bad}: ", error);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void Examples_lists_the_specs_and_recorded_hosts_that_ship_with_the_tool_and_each_plans()
    {
        var (exit, output, _) = Iommu("examples");
        Assert.Equal(ExitCodes.Ok, exit);
        var folder = Iommu("examples", "--dir").Stdout.Trim();
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "examples"), folder);

        var hosts = Directory.GetFiles(Path.Combine(folder, "hosts"), "*.json");
        Assert.Contains(Path.Combine(folder, "hosts", "qemu-vtd-legacy.json"), hosts);
        foreach (var file in Directory.GetFiles(Path.Combine(folder, "specs"), "*.json").Concat(hosts)) Assert.Contains(file, output);
        var plan = Iommu("plan", "--spec", Path.Combine(folder, "specs", "vtd-shadow-4k.json"), "--host", Path.Combine(folder, "hosts", "qemu-vtd-legacy.json"));
        Assert.True(plan.ExitCode == ExitCodes.Ok, plan.Output);
    }

    [Fact]
    public void Probe_on_a_host_without_iommufd_says_what_the_kernel_lacks()
    {
        if (File.Exists("/dev/iommu")) Assert.Skip("this host has /dev/iommu: nothing is missing to report");
        var (exit, _, error) = Iommu("probe");

        Assert.Equal(ExitCodes.Error, exit);
        Assert.StartsWith("iommu: no /dev/iommu: this host cannot serve iommufd (kernel ", error);
        Assert.Contains("iommufd needs Linux >= 6.2 with CONFIG_IOMMUFD", error);
        Assert.DoesNotContain("ENOENT", error);
        if (!File.Exists("/dev/vfio/vfio")) Assert.Contains("no /dev/vfio/vfio either: the kernel offers no VFIO container", error);
    }
}
