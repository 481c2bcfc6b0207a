using System.Text;
using System.Text.Json;

namespace Iommu.Scanner.Diff;

/// <summary>A diff report as a markdown table for people, or JSON for tools.</summary>
internal static class DiffReportWriter
{
    private static readonly Dictionary<ChangeClass, string> Names = new()
    {
        [ChangeClass.Compatible] = "compatible", [ChangeClass.SourceBreak] = "source-break", [ChangeClass.AbiBreak] = "ABI-BREAK",
    };

    public static string Table(DiffReport report)
    {
        var text = new StringBuilder();
        text.Append($"# ABI diff {report.From} -> {report.To} ({report.Arch})\n\n");
        foreach (var (cls, name) in Names)
        {
            text.Append($"- {name}: {report.Entries.Count(e => e.Class == cls)}\n");
        }
        text.Append("\n| class | item | change |\n|---|---|---|\n");
        foreach (var entry in Ordered(report))
        {
            text.Append($"| {Names[entry.Class]} | `{entry.Item}` | {entry.Change.Replace("|", "\\|")} |\n");
        }
        return text.ToString();
    }

    public static string Json(DiffReport report)
    {
        var document = new
        {
            from = report.From,
            to = report.To,
            arch = report.Arch,
            hasBreak = report.HasBreak,
            changes = Ordered(report).Select(e => new { @class = Names[e.Class], item = e.Item, change = e.Change }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    // breaks first, then by item, so a reviewer reads what matters first and reruns diff cleanly
    private static IEnumerable<DiffEntry> Ordered(DiffReport report) =>
        report.Entries.OrderByDescending(e => e.Class).ThenBy(e => e.Item, StringComparer.Ordinal).ThenBy(e => e.Change, StringComparer.Ordinal);
}
