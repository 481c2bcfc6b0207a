using System.Text.Json;
using Iommu.Tests.Shared;
using Linux.Iommu.Cli;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary><c>iommu migrate</c> as a user runs it: a move between two recorded hosts (exit 0 can move, 3 refused, 1 when
/// the VM cannot run on the source or a device is not there), the matrix of a folder, the JSON of both, and a wrong
/// command line.</summary>
public class MigrateToolTests
{
    private const string Hosts = "tests/data/hosts";

    private static ProcessResult Migrate(params string[] args) => IommuToolTests.Iommu(["migrate", .. args]);

    [Theory]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-legacy.json", "qemu-vtd-legacy.json", ExitCodes.Ok, "Migration: CAN MOVE - qemu-vtd-legacy runs the VM in Shadow")]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-scalable-flts.json", "qemu-vtd-legacy.json", ExitCodes.Ok, "Migration: CAN MOVE")]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-legacy.json", "qemu-vtd-scalable-flts.json", ExitCodes.Refused, "✗ device on the destination (/dev/vfio/devices/vfio1 (0000:00:02.0)) [present]")]
    [InlineData("smmuv3-qemu-virt.json", "qemu-smmuv3.json", "qemu-smmuv3.json", ExitCodes.Ok, "runs the VM in Nested")]
    [InlineData("smmuv3-qemu-virt.json", "qemu-smmuv3.json", "qemu-vtd-legacy.json", ExitCodes.Refused, "✗ host IOMMU model (/dev/vfio/devices/vfio0 (0000:00:01.0)) [exact]: guest needs IOMMU_HW_INFO_TYPE_ARM_SMMUV3; source IOMMU_HW_INFO_TYPE_ARM_SMMUV3, destination IOMMU_HW_INFO_TYPE_INTEL_VTD")]
    public void A_move_between_recorded_hosts_answers_with_its_exit_code(string spec, string from, string to, int exit, string says)
    {
        var result = Migrate("--spec", $"examples/specs/{spec}", "--from", $"{Hosts}/{from}", "--to", $"{Hosts}/{to}");

        Assert.True(result.ExitCode == exit, result.Output);
        Assert.StartsWith($"== migrate {spec} from {from[..^5]} (kernel 7.3.4, ", result.Stdout);
        Assert.Contains(says, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void A_VM_that_cannot_run_on_the_source_is_an_error_with_the_sources_reasons()
    {
        var result = Migrate("--spec", "examples/specs/vtd-refused-57bit.json", "--from", $"{Hosts}/qemu-vtd-legacy.json", "--to", $"{Hosts}/qemu-vtd-legacy.json");

        Assert.True(result.ExitCode == ExitCodes.Error, result.Output);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("iommu: the VM cannot run on qemu-vtd-legacy: its plan there is Refused\n", result.Stderr.ReplaceLineEndings("\n"));
        Assert.Contains("  Shadow (/dev/vfio/devices/vfio0 (0000:00:01.0)): ✗ IOVA space as wide as the guest's", result.Stderr);
    }

    [Fact]
    public void Host_passthrough_on_a_source_whose_own_values_it_cannot_run_is_the_same_error()
    {
        // QEMU's legacy VT-d shows the guest no caching mode and second-stage tables: neither Shadow nor Nested
        var result = Migrate("--host-passthrough", "--from", $"{Hosts}/qemu-vtd-legacy.json", "--to", $"{Hosts}/qemu-vtd-legacy.json");

        Assert.True(result.ExitCode == ExitCodes.Error, result.Output);
        Assert.Contains("Shadow (/dev/vfio/devices/vfio0 (0000:00:01.0)): ✗ caching mode (CAP.CM)", result.Stderr);
    }

    [Fact]
    public void A_device_not_on_the_source_is_an_error_naming_it_and_SOURCE_equals_DESTINATION_maps_a_device()
    {
        var absent = Migrate("--spec", "examples/specs/vtd-shadow-4k.json", "--from", $"{Hosts}/qemu-vtd-legacy.json", "--to", $"{Hosts}/qemu-vtd-legacy.json", "--device", "0000:00:09.0");
        Assert.True(absent.ExitCode == ExitCodes.Error, absent.Output);
        Assert.StartsWith("iommu: the VM's device '0000:00:09.0' is not on the source host (it has: ", absent.Stderr);

        var mapped = Migrate("--spec", "examples/specs/vtd-shadow-4k.json", "--from", $"{Hosts}/qemu-vtd-legacy.json", "--to", $"{Hosts}/qemu-vtd-scalable-flts.json",
            "--device", "0000:00:02.0=vfio0");
        Assert.True(mapped.ExitCode == ExitCodes.Ok, mapped.Output);
        Assert.Contains("Device /dev/vfio/devices/vfio1 (0000:00:02.0) -> /dev/vfio/devices/vfio0 (0000:00:01.0)", mapped.Stdout);
    }

    [Fact]
    public void The_JSON_of_a_refused_move_names_each_blocking_requirement_with_both_values_and_its_rule()
    {
        var result = Migrate("--spec", "examples/specs/vtd-48bit-iova.json", "--from", $"{Hosts}/qemu-vtd-legacy.json", "--to", $"{Hosts}/qemu-vtd-scalable-flts.json",
            "--device", "vfio0", "--json");

        Assert.True(result.ExitCode == ExitCodes.Refused, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal((MigrationJson.Format, "refused", "shadow", "refused"),
            (root.GetProperty("format").GetString(), root.GetProperty("verdict").GetString(), root.GetProperty("mode").GetString(), root.GetProperty("freshStartOnDestination").GetString()));
        Assert.Equal("qemu-vtd-scalable-flts", root.GetProperty("destination").GetProperty("name").GetString());
        var blocking = root.GetProperty("requirements").EnumerateArray().Where(r => !r.GetProperty("met").GetBoolean()).ToList();
        var width = Assert.Single(blocking);
        Assert.Equal(("shadow.address-width", "at-least", "IOVAs up to 0xffffffffffff", "IOVAs up to 0x7fffffffffff", true),
            (width.GetProperty("id").GetString(), width.GetProperty("rule").GetString(), width.GetProperty("source").GetString(),
             width.GetProperty("destination").GetString(), width.GetProperty("differs").GetBoolean()));
        Assert.Equal(48, root.GetProperty("guest").GetProperty("inputAddressWidth").GetInt32());
    }

    [Fact]
    public void The_matrix_of_a_folder_checks_every_pair_and_exits_0()
    {
        var table = Migrate("--spec", "examples/specs/vtd-shadow-4k.json", "--hosts", Hosts);
        Assert.True(table.ExitCode == ExitCodes.Ok, table.Output);
        var lines = table.Stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.StartsWith("from \\ to", lines[1]);
        Assert.Matches(@"^qemu-vtd-legacy\s+refused \(migrate\.architecture, shadow\.iova-range\)\s+move \(Shadow\)\s+refused \(migrate\.device\)", lines[3]);

        // files and folders alike, as `iommu place` takes them
        var json = Migrate("--spec", "examples/specs/vtd-shadow-4k.json", "--hosts", $"{Hosts}/qemu-smmuv3.json", $"{Hosts}/qemu-vtd-legacy.json", $"{Hosts}/qemu-vtd-scalable-flts.json", $"{Hosts}/selftest-mock.json", "--json");
        Assert.True(json.ExitCode == ExitCodes.Ok, json.Output);
        using var document = JsonDocument.Parse(json.Stdout);
        var hosts = document.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()).ToList();
        Assert.Equal(["qemu-smmuv3", "qemu-vtd-legacy", "qemu-vtd-scalable-flts", "selftest-mock"], hosts);
        var cells = document.RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(16, cells.Count);
        Assert.Equal("can-move", cells[1 * 4 + 1].GetProperty("verdict").GetString());
        Assert.Equal("source-refused", cells[0].GetProperty("verdict").GetString());
        Assert.NotEmpty(cells[0].GetProperty("sourceFailures").EnumerateArray());
    }

    [Theory]
    [InlineData("--spec examples/specs/vtd-shadow-4k.json --from tests/data/hosts/qemu-vtd-legacy.json", "give --from FILE and --to FILE, or --hosts for the matrix")]
    [InlineData("--from tests/data/hosts/qemu-vtd-legacy.json --to tests/data/hosts/qemu-vtd-legacy.json", "give either --spec FILE or --host-passthrough")]
    [InlineData("--spec examples/specs/vtd-shadow-4k.json --hosts tests/data/hosts --device vfio0", "--hosts checks every host")]
    [InlineData("--spec examples/specs/vtd-shadow-4k.json --hosts /nonexistent", "--hosts /nonexistent: no such file or directory")]
    [InlineData("--spec examples/specs/vtd-shadow-4k.json --from tests/data/hosts/qemu-vtd-legacy.json --to /nonexistent/b.json", "--to /nonexistent/b.json: no such file")]
    [InlineData("--spec examples/specs/vtd-shadow-4k.json --from tests/data/hosts/qemu-vtd-legacy.json --to tests/data/hosts/qemu-vtd-legacy.json --mode refused", "--mode: a running VM is Nested or Shadow")]
    public void A_wrong_command_line_exits_2_naming_the_problem(string command, string says)
    {
        var (exit, stdout, error) = Migrate(command.Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("", stdout);
        Assert.Contains($"iommu: {says}", error);
        Assert.Contains("Usage:\n  iommu migrate [", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_recorded_host_in_the_folder_that_is_not_one_is_named()
    {
        var folder = Directory.CreateTempSubdirectory("migrate-hosts-");
        try
        {
            File.Copy(RepositoryRoot.Combine(Hosts, "qemu-vtd-legacy.json"), Path.Combine(folder.FullName, "a.json"));
            File.WriteAllText(Path.Combine(folder.FullName, "b.json"), """{ "format": "linux-iommu-host/2" }""");
            var (exit, _, error) = Migrate("--spec", "examples/specs/vtd-shadow-4k.json", "--hosts", folder.FullName);

            Assert.Equal(ExitCodes.Error, exit);
            Assert.Equal($"iommu: recorded host {Path.Combine(folder.FullName, "b.json")}: format: 'linux-iommu-host/2' is another version of the recorded-host format than the linux-iommu-host/1 this version reads: record the host again with this version's iommu probe --save", error.Trim());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Help_names_the_exit_codes()
    {
        var (exit, output, _) = Migrate("--help");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(MigrateCommand.Help, output.ReplaceLineEndings(" "));
    }
}
