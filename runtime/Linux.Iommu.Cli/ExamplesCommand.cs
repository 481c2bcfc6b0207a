using System.Text.Json;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu examples</c>: the example guest specs and recorded hosts that ship inside the tool, with their
/// paths, so <c>iommu plan --spec … --host …</c> works wherever the tool is installed.</summary>
internal static class ExamplesCommand
{
    /// <summary>The folder beside the tool's assembly: <c>specs/</c> (examples/specs of the repository) and <c>hosts/</c>
    /// (hosts recorded in its test VMs).</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "examples");

    public static int Run(bool folderOnly)
    {
        if (folderOnly)
        {
            Console.WriteLine(Folder);
            return ExitCodes.Ok;
        }
        Console.WriteLine("guest vIOMMU specs (iommu plan --spec FILE):");
        foreach (var spec in Files("specs")) Console.WriteLine($"  {spec}\n      {Description(spec)}");
        Console.WriteLine("recorded hosts (iommu plan --spec FILE --host FILE: plans without the hardware):");
        foreach (var path in Files("hosts"))
        {
            var host = RecordedHostJson.Load(path);
            Console.WriteLine($"  {path}\n      kernel {host.Kernel}, {host.Architecture}, {host.Devices.Count} device(s)");
        }
        Console.WriteLine($"e.g.: iommu plan --spec {Path.Combine(Folder, "specs", "vtd-shadow-4k.json")} --host {Path.Combine(Folder, "hosts", "qemu-vtd-legacy.json")}");
        return ExitCodes.Ok;
    }

    private static IEnumerable<string> Files(string kind) =>
        Directory.GetFiles(Path.Combine(Folder, kind), "*.json").Order(StringComparer.Ordinal);

    private static string Description(string spec) =>
        JsonDocument.Parse(File.ReadAllText(spec)).RootElement.TryGetProperty("description", out var value) ? value.ToString() : "";
}
