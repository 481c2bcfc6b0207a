using System.CommandLine;
using Linux.Iommu;
using Linux.Iommu.Cli;

var root = new RootCommand("iommu: the host IOMMU behind VFIO devices (iommufd or the type1 container), vIOMMU planning, a user-space NVMe driver. " + ExitCodes.Help);

Option<string[]> Devices(string whose)
{
    var option = new Option<string[]>("--device")
    {
        Description = $"{whose} devices: PCI addresses (0000:00:03.0) or VFIO cdevs (/dev/vfio/devices/vfioN, or vfioN); default every device bound to vfio-pci",
        AllowMultipleArgumentsPerToken = true,
    };
    option.Validators.Add(result =>
    {
        foreach (var name in result.GetValueOrDefault<string[]>() ?? [])
            if (!name.StartsWith('/') && !name.StartsWith("vfio", StringComparison.Ordinal) && !PciDevice.TryParseAddress(name, out _))
                result.AddError($"--device {name}: neither a PCI address (0000:00:03.0, or 00:03.0) nor a VFIO device cdev (/dev/vfio/devices/vfioN)");
    });
    return option;
}
Option<IommuBackend?> Backend() => new("--backend")
{
    Description = "Iommufd or Type1 (the legacy VFIO container); default iommufd where the kernel has it and every device has a VFIO cdev, else type1",
};

var devices = Devices("the");
var backend = Backend();
var save = FileArguments.Output("--save", "also record the host (hw_info, IOVA ranges, groups, page size) in this JSON file, for `iommu plan --host FILE` on any machine");
var probe = new Command("probe", "print the host IOMMU behind each VFIO device: decoded capabilities and usable IOVA ranges. " + ExitCodes.Help) { devices, backend, save };
probe.SetAction(parse => ProbeCommand.Run(parse.GetValue(devices), parse.GetValue(backend), parse.GetValue(save)));
root.Subcommands.Add(probe);

var spec = FileArguments.Input("--spec", "the guest vIOMMU spec (JSON; `iommu examples` lists the ones that ship with the tool)");
var passthrough = new Option<bool>("--host-passthrough") { Description = "derive the guest vIOMMU from the host's IOMMU (like -cpu host): NOT migratable" };
var planDevices = Devices("the VM's");
var planBackend = Backend();
var recorded = FileArguments.Input("--host", "plan against a host recorded by `iommu probe --save` instead of this one (no /dev/iommu needed; the kernel's allocation of nested page tables is not tried)");
var plan = new Command("plan", "decide how the host backs a guest vIOMMU: Nested, Shadow or Refused, with every reason. " + ExitCodes.Help) { spec, passthrough, planDevices, planBackend, recorded };
plan.Validators.Add(result =>
{
    if ((result.GetResult(spec) is null) == !result.GetValue(passthrough)) result.AddError("give either --spec FILE or --host-passthrough");
    if (result.GetResult(recorded) is not null && (result.GetResult(planDevices) is not null || result.GetResult(planBackend) is not null))
        result.AddError("--device and --backend pick devices of this host: they cannot be given with --host");
});
plan.SetAction(parse => PlanCommand.Run(parse.GetValue(spec), parse.GetValue(passthrough), parse.GetValue(planDevices), parse.GetValue(planBackend), parse.GetValue(recorded)));
root.Subcommands.Add(plan);
root.Subcommands.Add(MigrateCommand.Create());

var placeSpecs = FileArguments.Inputs("--spec", "a guest vIOMMU spec (JSON), named in the table by its file's name; give it once per spec", folders: false);
var placeHosts = FileArguments.Inputs("--hosts", "recorded hosts (`iommu probe --save` files), or folders of them (their *.json files); named by their file's name", folders: true);
var placeJson = new Option<bool>("--json") { Description = $"print JSON ({Linux.Iommu.Planner.FleetPlacementJson.Format}, documented in docs/planner.md) instead of the table" };
var place = new Command("place", "decide every spec on every recorded host of a fleet: Nested, Shadow or Refused, each with the requirement that decided it (no /dev/iommu needed). " + ExitCodes.PlaceHelp)
    { placeSpecs, placeHosts, placeJson };
place.Validators.Add(result =>
{
    if (PlaceCommand.NameGivenTwice(result.GetValue(placeSpecs) ?? []) is { } name) result.AddError($"--spec: two spec files are named {name}: a spec is named by its file's name, give each once");
});
place.SetAction(parse => PlaceCommand.Run(parse.GetValue(placeSpecs)!, parse.GetValue(placeHosts)!, parse.GetValue(placeJson)));
root.Subcommands.Add(place);

var folderOnly = new Option<bool>("--dir") { Description = "print only the folder (specs/ and hosts/ below it)" };
var examples = new Command("examples", "list the example guest specs and recorded hosts that ship with the tool, with their paths") { folderOnly };
examples.SetAction(parse => ExamplesCommand.Run(parse.GetValue(folderOnly)));
root.Subcommands.Add(examples);

var nvmeDevice = new Option<string>("--device") { Description = "the NVMe controller's PCI address (default: the only one)" };
var nvmeLba = new Option<ulong>("--lba") { Description = "the first logical block", Required = true };
var nvmeBlocks = new Option<int>("--blocks") { Description = "how many blocks (at least 1)", DefaultValueFactory = _ => 1 };
nvmeBlocks.Validators.Add(result => { if (result.GetValueOrDefault<int>() < 1) result.AddError($"--blocks {result.GetValueOrDefault<int>()}: at least 1"); });
var nvmeOut = FileArguments.Output("--out", "write the bytes to this file (default: a hex dump)");
var nvmeIn = FileArguments.Input("--in", "the bytes to write (the last block zero-padded)");
nvmeIn.Required = true;
var nvmeIdentify = new Command("identify", "Identify Controller and Namespace 1: model, serial, size") { nvmeDevice };
nvmeIdentify.SetAction(parse => NvmeCommand.Identify(parse.GetValue(nvmeDevice)));
var nvmeRead = new Command("read", "read blocks") { nvmeDevice, nvmeLba, nvmeBlocks, nvmeOut };
nvmeRead.SetAction(parse => NvmeCommand.Read(parse.GetValue(nvmeDevice), parse.GetValue(nvmeLba), parse.GetValue(nvmeBlocks), parse.GetValue(nvmeOut)));
var nvmeWrite = new Command("write", "write a file's bytes to blocks") { nvmeDevice, nvmeLba, nvmeIn };
nvmeWrite.SetAction(parse => NvmeCommand.Write(parse.GetValue(nvmeDevice), parse.GetValue(nvmeLba), parse.GetValue(nvmeIn)!));
root.Subcommands.Add(new Command("nvme", "a user-space NVMe driver (the driver kit's sample) through VFIO (iommufd or the type1 container): the controller is moved to vfio-pci for the command and given back to its driver after. " + ExitCodes.Help)
    { nvmeIdentify, nvmeRead, nvmeWrite });

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0) return UsageErrors.Report(root, parsed);
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return Failures.Report(e);
}
