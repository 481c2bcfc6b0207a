using System.CommandLine;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu migrate</c>: can a VM running on one recorded host move to another in the same mode with the same
/// guest-visible vIOMMU (<see cref="MigrationCheck"/>), or the matrix of every move between the hosts of a folder. Exit 0
/// when the VM can move (or the matrix is printed), 3 when the move is refused, 1 when the VM cannot run on the source.</summary>
internal static class MigrateCommand
{
    /// <summary>What --help says of the exit codes.</summary>
    public const string Help = "Exit codes: 0 the VM can move (or the matrix is printed), 3 refused (the VM must not move), " +
                               "1 error (among them: the VM cannot run on the source as given), 2 usage (or a file named that cannot be read).";

    public static Command Create()
    {
        var spec = FileArguments.Input("--spec", "the guest vIOMMU spec (JSON) the VM was started with");
        var passthrough = new Option<bool>("--host-passthrough") { Description = "the VM's vIOMMU was derived from the source host (like -cpu host): the destination must offer the values the source showed the guest" };
        var from = FileArguments.Input("--from", "the source host, recorded by `iommu probe --save`");
        var to = FileArguments.Input("--to", "the destination host, recorded by `iommu probe --save`");
        var hosts = FileArguments.Inputs("--hosts", "recorded hosts (`iommu probe --save` files), or folders of them (their *.json files): the matrix of every move between them (rows: from, columns: to), the VM having all of a host's devices; a host is named by its file's name", folders: true);
        hosts.Required = false;
        var devices = new Option<string[]>("--device")
        {
            Description = "the VM's devices, hot-plugged ones included: a recorded name, PCI address or VFIO cdev, the same on both hosts, or SOURCE=DESTINATION; default every device of the source, found on the destination by PCI address",
            AllowMultipleArgumentsPerToken = true,
        };
        var mode = new Option<PlanDecision?>("--mode") { Description = "Nested or Shadow: the mode the VM runs in on the source (default: its plan there)" };
        mode.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<PlanDecision?>() == PlanDecision.Refused) result.AddError("--mode: a running VM is Nested or Shadow");
        });
        var json = new Option<bool>("--json") { Description = $"print JSON ({MigrationJson.Format}, or {MigrationJson.MatrixFormat} with --hosts; schema in docs/planner.md)" };

        var command = new Command("migrate", "can a VM move from one recorded host to another in the same mode with the same guest-visible vIOMMU? Every requirement of the destination beside the source's, each refusal named with both values and its rule. " + Help)
            { spec, passthrough, from, to, hosts, devices, mode, json };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(spec) is null) == !result.GetValue(passthrough)) result.AddError("give either --spec FILE or --host-passthrough");
            var pair = result.GetResult(from) is not null || result.GetResult(to) is not null;
            if (result.GetResult(hosts) is null)
            {
                if (result.GetResult(from) is null || result.GetResult(to) is null) result.AddError("give --from FILE and --to FILE, or --hosts for the matrix");
            }
            else if (pair || result.GetResult(devices) is not null || result.GetResult(mode) is not null || result.GetValue(passthrough))
            {
                result.AddError("--hosts checks every host with all its devices for a fixed spec: it takes none of --from, --to, --device, --mode, --host-passthrough");
            }
        });
        command.SetAction(parse => parse.GetValue(hosts) is { Length: > 0 } paths
            ? Matrix(parse.GetValue(spec)!, paths, parse.GetValue(json))
            : Move(parse.GetValue(spec), parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(devices), parse.GetValue(mode), parse.GetValue(json)));
        return command;
    }

    private static int Move(FileInfo? specFile, FileInfo fromFile, FileInfo toFile, string[]? named, PlanDecision? mode, bool json)
    {
        var planner = PlanCommand.Planner;
        var spec = specFile is null ? null : planner.LoadSpec(specFile.FullName);
        var source = RecordedHostJson.Load(fromFile.FullName);
        var destination = RecordedHostJson.Load(toFile.FullName);
        var (sourceName, destinationName) = (Name(fromFile), Name(toFile));
        var moves = named is { Length: > 0 } ? named.Select(Parse).ToList() : null;
        var report = planner.CheckMigration(spec ?? planner.PassThrough(source), source, destination, moves, mode);
        if (json) Console.Write(MigrationJson.Write(report, sourceName, destinationName));
        if (report.Verdict == MigrationVerdict.SourceRefused)
        {
            // bad input, not an answer: the reasons go where errors go
            Console.Error.WriteLine($"iommu: the VM cannot run on {sourceName}: its plan there is Refused");
            foreach (var (branch, device, requirement) in report.SourceFailures)
                Console.Error.WriteLine($"  {branch}{(device.Length == 0 ? "" : $" ({device})")}: {requirement}");
            return ExitCodes.Error;
        }
        if (!json)
        {
            Console.WriteLine($"== migrate {(specFile?.Name ?? "--host-passthrough")} from {sourceName} (kernel {source.Kernel}, {source.Architecture}) to {destinationName} (kernel {destination.Kernel}, {destination.Architecture})");
            Console.Write(report.Describe(sourceName, destinationName));
        }
        return report.Verdict == MigrationVerdict.CanMove ? ExitCodes.Ok : ExitCodes.Refused;
    }

    private static int Matrix(FileInfo specFile, string[] hostPaths, bool json)
    {
        var spec = PlanCommand.Planner.LoadSpec(specFile.FullName);
        var fleet = HostFleet.Load(hostPaths.Select(Path.GetFullPath));
        var matrix = MigrationMatrix.Check(PlanCommand.Planner, spec, fleet);
        if (json) Console.Write(MigrationJson.Write(matrix));
        else
        {
            Console.WriteLine($"== migrate {specFile.Name} between {fleet.Hosts.Count} recorded hosts (rows: from, columns: to)");
            Console.Write(matrix.Describe());
        }
        return ExitCodes.Ok;
    }

    private static string Name(FileInfo file) => Path.GetFileNameWithoutExtension(file.Name);

    /// <summary>SOURCE=DESTINATION, or one name for both hosts.</summary>
    private static DeviceMove Parse(string text) =>
        text.IndexOf('=') is > 0 and var at && at < text.Length - 1 ? new DeviceMove(text[..at], text[(at + 1)..]) : new DeviceMove(text);
}
