using Iommu.Scanner.Model;
using Iommu.Scanner.Scan;

namespace Iommu.Scanner.Cli;

public static class Commands
{
    public const string Usage = """
        usage:
          iommu-scan scan --include DIR --arch x86_64|aarch64 --set NAME --package PKG --version VER
                          [--header linux/iommufd.h ...] [--out FILE]
                          (a header ending in '?' may be missing from the set: recorded as absent, not an error)
          iommu-scan diff OLD.json NEW.json [--json]
          iommu-scan probe MODEL.json [--out FILE]
        """;

    public static readonly string[] DefaultHeaders = ["linux/iommufd.h", "linux/vfio.h"];

    public static int Run(string[] args)
    {
        if (args.Length == 0) throw new UsageException("no command");
        var rest = args.Skip(1);
        return args[0] switch
        {
            "scan" => Scan(new Arguments(rest, new HashSet<string>())),
            "diff" => Diff(new Arguments(rest, new HashSet<string> { "--json" })),
            "probe" => Probe(new Arguments(rest, new HashSet<string>())),
            "--help" or "-h" or "help" => Help(),
            var other => throw new UsageException($"unknown command '{other}'"),
        };
    }

    private static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static int Scan(Arguments a)
    {
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
        if (a.Positionals.Count != 2) throw new UsageException("diff takes two model files");
        var report = Iommu.Scanner.Diff.ModelDiff.Compare(ModelFile.Read(a.Positionals[0]), ModelFile.Read(a.Positionals[1]));
        Console.Write(a.Flag("--json") ? Iommu.Scanner.Diff.DiffReportWriter.Json(report) : Iommu.Scanner.Diff.DiffReportWriter.Table(report));
        return report.HasBreak ? 3 : 0;
    }

    private static int Probe(Arguments a)
    {
        if (a.Positionals.Count != 1) throw new UsageException("probe takes one model file");
        Write(a.Optional("--out"), Iommu.Scanner.Probe.CProbeWriter.Write(ModelFile.Read(a.Positionals[0])));
        return 0;
    }

    private static void Write(string? path, string text)
    {
        if (path is null)
        {
            Console.Write(text);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text);
    }
}
