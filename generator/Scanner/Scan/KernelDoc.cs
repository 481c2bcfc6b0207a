using System.Text;
using System.Text.RegularExpressions;

namespace Iommu.Scanner.Scan;

/// <summary>A kernel-doc comment split into its free text (the summary after "struct x - " and the description)
/// and its <c>@name: text</c> member entries, continuation lines joined.</summary>
internal sealed partial record KernelDoc(string? Description, IReadOnlyDictionary<string, string> Members)
{
    public static KernelDoc Parse(CommentIndex.Comment comment)
    {
        var description = new StringBuilder();
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var raw in comment.Lines)
        {
            var line = raw.Trim();
            var member = MemberLine().Match(line);
            if (member.Success)
            {
                current = member.Groups[1].Value;
                members[current] = member.Groups[2].Value.Trim();
                continue;
            }
            if (current is not null && line.Length > 0)
            {
                members[current] = (members[current] + " " + line).Trim();
                continue;
            }
            current = null;
            if (description.Length == 0 && line.Length == 0)
            {
                continue;
            }
            description.Append(description.Length == 0 ? Summary(line) : line).Append('\n');
        }
        var text = Regex.Replace(description.ToString().Trim(), "\n{3,}", "\n\n");
        return new KernelDoc(text.Length == 0 ? null : text, members);
    }

    // "struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)" -> "ioctl(IOMMU_IOAS_MAP)"
    private static string Summary(string line)
    {
        var m = SummaryLine().Match(line);
        return m.Success ? m.Groups[1].Value : line;
    }

    [GeneratedRegex(@"^@([A-Za-z_][A-Za-z0-9_\.\[\]]*)\s*:\s*(.*)$")]
    private static partial Regex MemberLine();

    [GeneratedRegex(@"^(?:(?:struct|union|enum)\s+)?[A-Za-z_][A-Za-z0-9_]*\s+-\s+(.*)$")]
    private static partial Regex SummaryLine();
}
