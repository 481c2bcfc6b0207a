using System.CommandLine;
using Linux.Iommu.Cli;

var root = new RootCommand("iommu: the Linux IOMMU user API (iommufd, VFIO) from .NET - headers, host probe, vIOMMU planning. " + ExitCodes.Help);

// The header scanner keeps its own argument grammar (generator/Scanner); these pass through to it.
foreach (var (name, description) in new[]
{
    ("scan", "scan kernel uAPI headers into an ABI model (iommu-scan scan)"),
    ("diff", "compare two ABI models and classify every change (iommu-scan diff)"),
    ("c-probe", "write the C file of _Static_asserts that checks a model against gcc (iommu-scan probe)"),
})
{
    var passThrough = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
    passThrough.SetAction(parse => Iommu.Scanner.Cli.Commands.Run([name == "c-probe" ? "probe" : name, .. parse.UnmatchedTokens]));
    root.Subcommands.Add(passThrough);
}

var devices = new Option<string[]>("--device") { Description = "VFIO device cdevs (default: every /dev/vfio/devices/vfio*)", AllowMultipleArgumentsPerToken = true };
var save = new Option<FileInfo>("--save") { Description = "also record the host (hw_info, IOVA ranges, groups, page size) in this JSON file, for `iommu plan --host FILE` on any machine" };
var probe = new Command("probe", "print the host IOMMU behind each VFIO device: decoded capabilities and usable IOVA ranges. " + ExitCodes.Help) { devices, save };
probe.SetAction(parse => ProbeCommand.Run(parse.GetValue(devices), parse.GetValue(save)));
root.Subcommands.Add(probe);

var spec = new Option<FileInfo>("--spec") { Description = "the guest vIOMMU spec (JSON; examples/specs/)" };
var passthrough = new Option<bool>("--host-passthrough") { Description = "derive the guest vIOMMU from the host's IOMMU (like -cpu host): NOT migratable" };
var planDevices = new Option<string[]>("--device") { Description = "the VM's VFIO device cdevs (default: every /dev/vfio/devices/vfio*); on a kernel without iommufd their PCI addresses, e.g. 0000:00:03.0 (default: every device bound to vfio-pci)", AllowMultipleArgumentsPerToken = true };
var recorded = new Option<FileInfo>("--host") { Description = "plan against a host recorded by `iommu probe --save` instead of this one (no /dev/iommu needed; the kernel's allocation of nested page tables is not tried)" };
var plan = new Command("plan", "decide how the host backs a guest vIOMMU: Nested, Shadow or Refused, with every reason. " + ExitCodes.Help) { spec, passthrough, planDevices, recorded };
plan.Validators.Add(result =>
{
    if ((result.GetResult(spec) is null) == !result.GetValue(passthrough)) result.AddError("give either --spec FILE or --host-passthrough");
    if (result.GetResult(recorded) is not null && result.GetResult(planDevices) is not null) result.AddError("--device picks devices of this host: it cannot be given with --host");
});
plan.SetAction(parse => PlanCommand.Run(parse.GetValue(spec), parse.GetValue(passthrough), parse.GetValue(planDevices), parse.GetValue(recorded)));
root.Subcommands.Add(plan);

var specs = new Option<DirectoryInfo>("--specs") { Description = "directory of example specs", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(AppContext.BaseDirectory, "examples", "specs")) };
var demo = new Command("demo", "probe, then plan every example spec; run a live edu DMA through the shadow engine") { specs };
demo.SetAction(parse => DemoCommand.Run(parse.GetValue(specs)!));
root.Subcommands.Add(demo);

var nvmeDevice = new Option<string>("--device") { Description = "the NVMe controller's PCI address (default: the only one)" };
var nvmeLba = new Option<ulong>("--lba") { Description = "the first logical block", Required = true };
var nvmeBlocks = new Option<int>("--blocks") { Description = "how many blocks", DefaultValueFactory = _ => 1 };
var nvmeOut = new Option<FileInfo>("--out") { Description = "write the bytes to this file (default: a hex dump)" };
var nvmeIn = new Option<FileInfo>("--in") { Description = "the bytes to write (the last block zero-padded)", Required = true };
var nvmeIdentify = new Command("identify", "Identify Controller and Namespace 1: model, serial, size") { nvmeDevice };
nvmeIdentify.SetAction(parse => NvmeCommand.Identify(parse.GetValue(nvmeDevice)));
var nvmeRead = new Command("read", "read blocks") { nvmeDevice, nvmeLba, nvmeBlocks, nvmeOut };
nvmeRead.SetAction(parse => NvmeCommand.Read(parse.GetValue(nvmeDevice), parse.GetValue(nvmeLba), parse.GetValue(nvmeBlocks), parse.GetValue(nvmeOut)));
var nvmeWrite = new Command("write", "write a file's bytes to blocks") { nvmeDevice, nvmeLba, nvmeIn };
nvmeWrite.SetAction(parse => NvmeCommand.Write(parse.GetValue(nvmeDevice), parse.GetValue(nvmeLba), parse.GetValue(nvmeIn)!));
root.Subcommands.Add(new Command("nvme", "a user-space NVMe driver (the driver kit's sample) through VFIO and iommufd: the controller is moved to vfio-pci for the command and given back to its driver after. " + ExitCodes.Help)
    { nvmeIdentify, nvmeRead, nvmeWrite });

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"iommu: {error.Message}");
    Console.Error.WriteLine($"iommu: see `iommu{(parsed.CommandResult.Command == root ? "" : " " + parsed.CommandResult.Command.Name)} --help`");
    return ExitCodes.Usage;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is Linux.Iommu.IommuException or NotSupportedException or Linux.Iommu.Planner.SpecException or Linux.Iommu.Planner.RecordedHostException
                              or Iommu.Scanner.ScanException or InvalidOperationException
                              or Linux.Iommu.Nvme.NvmeException or ArgumentOutOfRangeException or TimeoutException)
{
    Console.Error.WriteLine($"iommu: {e.Message}");
    return ExitCodes.Error;
}
