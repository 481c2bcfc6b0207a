using Iommu.Tests.Shared;
using Linux.Iommu.Cli;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The `iommu` tool as a user runs it (a process, from the repository root): exit codes, the spec read and
/// validated before anything of the host is looked at, and what a host without iommufd is told.</summary>
public class IommuToolTests
{
    internal static ProcessResult Iommu(params string[] args) =>
        Processes.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "iommu.dll"), .. args], workingDirectory: RepositoryRoot.Path);

    [Fact]
    public void Help_names_the_exit_codes()
    {
        foreach (var command in new[] { "--help", "plan --help", "probe --help" })
        {
            var (exit, output, _) = Iommu(command.Split(' '));
            Assert.Equal(ExitCodes.Ok, exit);
            Assert.Contains("Exit codes: 0 planned (Nested or Shadow) or done, 3 refused (the VM must not start), 1 error, 2 usage.", output.ReplaceLineEndings(" "));
        }
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --host-passthrough")]
    [InlineData("plan --spec examples/specs/vtd-shadow-4k.json --host tests/data/hosts/qemu-vtd-legacy.json --device /dev/vfio/devices/vfio0")]
    [InlineData("plan --spek examples/specs/vtd-shadow-4k.json")]
    [InlineData("frobnicate")]
    public void A_wrong_command_line_exits_2_and_says_what_is_wrong(string command)
    {
        var (exit, _, error) = Iommu(command.Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--help`", error);
    }

    [Fact]
    public void A_missing_spec_is_named_before_any_device_or_iommufd_is_looked_for()
    {
        var (exit, _, error) = Iommu("plan", "--spec", "/nonexistent.json");

        Assert.Equal(ExitCodes.Error, exit);
        Assert.Equal("iommu: vIOMMU spec: (file): /nonexistent.json does not exist", error.Trim());
    }

    [Fact]
    public void A_bad_spec_is_refused_naming_the_field_even_against_a_recorded_host()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-spec-{Environment.ProcessId}.json");
        File.WriteAllText(bad, """{ "model": "intel-vtd", "inputAddressWidth": 48, "pageSizes": ["4K", 3000], "iovaRanges": [] }""");
        try
        {
            foreach (var extra in new[] { Array.Empty<string>(), ["--host", "/nonexistent/host.json"] })
            {
                var (exit, _, error) = Iommu(["plan", "--spec", bad, .. extra]);
                Assert.Equal(ExitCodes.Error, exit);
                Assert.Equal("iommu: vIOMMU spec: pageSizes[1]: 3000 is not a power of two of at least 4096", error.Trim());
            }
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void A_missing_recorded_host_is_named()
    {
        var (exit, _, error) = Iommu("plan", "--spec", "examples/specs/vtd-shadow-4k.json", "--host", "/nonexistent/host.json");

        Assert.Equal(ExitCodes.Error, exit);
        Assert.Equal("iommu: recorded host /nonexistent/host.json: (file): does not exist", error.Trim());
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
