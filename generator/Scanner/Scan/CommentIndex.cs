namespace Iommu.Scanner.Scan;

/// <summary>The block comments of one header, by line, so declarations and macros find their
/// kernel-doc the same way (libclang attaches no comments to macros).</summary>
internal sealed class CommentIndex
{
    private readonly List<Comment> _comments = [];
    private readonly string[] _lines;

    public sealed record Comment(int StartLine, int EndLine, IReadOnlyList<string> Lines)
    {
        public string FirstLine => Lines.FirstOrDefault(l => l.Length > 0) ?? "";
        public string Text => string.Join('\n', Lines).Trim();
    }

    public CommentIndex(string[] lines)
    {
        _lines = lines;
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
}
