using Iommu.Scanner.Model;
using Iommu.Scanner.Scan;

namespace Iommu.Scanner.Cli;

public static class Commands
{
    private static readonly Dictionary<string, string> CommandUsage = new(StringComparer.Ordinal)
    {
        ["scan"] = """
              iommu-scan scan --include DIR --arch x86_64|aarch64 --set NAME --package PKG --version VER
                              [--header linux/iommufd.h ...] [--out FILE]
                              (a header ending in '?' may be missing from the set: recorded as absent, not an error)
            """,
        ["diff"] = "  iommu-scan diff OLD.json NEW.json [--json]      (exit 3 on an ABI break)",
        ["probe"] = "  iommu-scan probe MODEL.json [--out FILE]        (the C file of _Static_asserts gcc checks)",
    };

    public static readonly string[] DefaultHeaders = ["linux/iommufd.h", "linux/vfio.h"];

    /// <summary>The usage of one command, or of all when <paramref name="command"/> is null or unknown.</summary>
    public static string Usage(string? command = null) =>
        "usage:\n" + (command is not null && CommandUsage.TryGetValue(command, out var one) ? one : string.Join("\n", CommandUsage.Values)) +
        "\nExit codes: 0 done, 1 scan error (SCANnnn), 2 usage or a file argument that cannot be read or written, 3 diff found an ABI break.";

    public static int Run(string[] args)
    {
        if (args.Length == 0) throw new UsageException("no command");
        var rest = args.Skip(1);
        if (rest.Any(a => a is "--help" or "-h")) return Help(args[0]);
        return args[0] switch
        {
            "scan" => Scan(new Arguments("scan", rest, Set("--include", "--arch", "--set", "--package", "--version", "--header", "--out"), Set())),
            "diff" => Diff(new Arguments("diff", rest, Set(), Set("--json"))),
            "probe" => Probe(new Arguments("probe", rest, Set("--out"), Set())),
            "--help" or "-h" or "help" => Help(null),
            var other => throw new UsageException($"unknown command '{other}'"),
        };
    }

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);

    private static int Help(string? command)
    {
        Console.WriteLine(Usage(command));
        return 0;
    }

    private static int Scan(Arguments a)
    {
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'", "scan");
        var headers = a.All("--header") is { Count: > 0 } listed ? listed : DefaultHeaders;
        var model = HeaderSetScanner.Scan(new ScanRequest(a.Required("--include"), headers, a.Required("--arch"),
            new HeaderSet(a.Required("--set"), a.Required("--package"), a.Required("--version"))));
        Write(a.Optional("--out"), ModelJsonWriter.Write(model));
        Console.Error.WriteLine($"{model.HeaderSet.Name} {model.Arch}: {model.Records.Count} records, {model.Enums.Count} enums, " +
            $"{model.Constants.Count} constants, {model.Ioctls.Count} ioctls" +
            (model.AbsentHeaders.Count > 0 ? $"; not in this set: {string.Join(", ", model.AbsentHeaders)}" : ""));
        return 0;
    }

    private static int Diff(Arguments a)
    {
        if (a.Positionals.Count != 2) throw new UsageException("diff takes two model files", "diff");
        var report = Iommu.Scanner.Diff.ModelDiff.Compare(ReadModel(a.Positionals[0]), ReadModel(a.Positionals[1]));
        Console.Write(a.Flag("--json") ? Iommu.Scanner.Diff.DiffReportWriter.Json(report) : Iommu.Scanner.Diff.DiffReportWriter.Table(report));
        return report.HasBreak ? 3 : 0;
    }

    private static int Probe(Arguments a)
    {
        if (a.Positionals.Count != 1) throw new UsageException("probe takes one model file", "probe");
        Write(a.Optional("--out"), Iommu.Scanner.Probe.CProbeWriter.Write(ReadModel(a.Positionals[0])));
        return 0;
    }

    private static AbiModel ReadModel(string path) => FileArgumentException.Read(path, ModelFile.Read);

    private static void Write(string? path, string text)
    {
        if (path is null)
        {
            Console.Write(text);
            return;
        }
        FileArgumentException.Write(path, text);
    }
}
