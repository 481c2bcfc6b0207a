using System.Text;
using System.Text.RegularExpressions;

namespace Iommu.Scanner.Scan;

/// <summary>The block comments of one header, by line, so declarations and macros find their
/// kernel-doc the same way (libclang attaches no comments to macros).</summary>
internal sealed partial class CommentIndex
{
    private readonly List<Comment> _comments = [];
    private readonly string[] _lines;

    public sealed record Comment(int StartLine, int EndLine, IReadOnlyList<string> Lines)
    {
        public string FirstLine => Lines.FirstOrDefault(l => l.Length > 0) ?? "";
        public string Text => string.Join('\n', Lines).Trim();
    }

    public CommentIndex(string path)
    {
        _lines = File.ReadAllLines(path);
        for (var i = 0; i < _lines.Length; i++)
        {
            var start = _lines[i].IndexOf("/*", StringComparison.Ordinal);
            if (start < 0 || _lines[i][..start].Trim().Length > 0)
            {
                continue; // only comments that open a line: trailing ones are found by TrailingComment
            }
            var body = new List<string>();
            var j = i;
            var rest = _lines[i][(start + 2)..].TrimStart('*');
            while (true)
            {
                var end = rest.IndexOf("*/", StringComparison.Ordinal);
                if (end >= 0)
                {
                    body.Add(Clean(rest[..end]));
                    break;
                }
                body.Add(Clean(rest));
                if (++j >= _lines.Length)
                {
                    break;
                }
                rest = _lines[j];
            }
            _comments.Add(new Comment(i + 1, j + 1, Trim(body)));
            i = j;
        }
    }

    public IReadOnlyList<Comment> All => _comments;

    /// <summary>The comment that ends on the line just above <paramref name="line"/>.</summary>
    public Comment? Before(int line) => _comments.FirstOrDefault(c => c.EndLine == line - 1);

    /// <summary>The struct whose definition ends just above <paramref name="line"/> (blank lines and other
    /// #defines in between allowed), or null.</summary>
    public string? StructBefore(int line)
    {
        var i = line - 2;
        while (i >= 0 && (_lines[i].Trim().Length == 0 || _lines[i].TrimStart().StartsWith("#define", StringComparison.Ordinal))) i--;
        if (i < 0 || _lines[i].Trim() != "};") return null;
        for (; i >= 0; i--)
        {
            var header = StructHeader().Match(_lines[i]);
            if (header.Success) return header.Groups[1].Value;
        }
        return null;
    }

    [GeneratedRegex(@"^struct\s+(\w+)\s*\{")]
    private static partial Regex StructHeader();

    public string Line(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : "";

    /// <summary>A <c>/* ... */</c> comment after code on the same line (VFIO documents fields this way).</summary>
    public string? TrailingComment(int line)
    {
        if (line < 1 || line > _lines.Length)
        {
            return null;
        }
        var text = _lines[line - 1];
        var start = text.IndexOf("/*", StringComparison.Ordinal);
        if (start <= 0 || text[..start].Trim().Length == 0)
        {
            return null;
        }
        var end = text.IndexOf("*/", start, StringComparison.Ordinal);
        var comment = (end < 0 ? text[(start + 2)..] : text[(start + 2)..end]).Trim();
        return comment.Length == 0 ? null : comment;
    }

    private static string Clean(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith('*'))
        {
            trimmed = trimmed[1..];
            if (trimmed.StartsWith(' ') || trimmed.StartsWith('\t'))
            {
                trimmed = trimmed[1..];
            }
        }
        return trimmed.TrimEnd();
    }

    private static List<string> Trim(List<string> lines)
    {
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>Splits kernel-doc into its free text (the summary after "struct x - " and the description)
    /// and its <c>@name: text</c> parameter entries, continuation lines joined.</summary>
    public static KernelDoc Parse(Comment comment)
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

internal sealed record KernelDoc(string? Description, IReadOnlyDictionary<string, string> Members);
