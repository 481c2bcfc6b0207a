using System.Text.RegularExpressions;

namespace Iommu.Scanner.Scan;

/// <summary>The source lines of one header, for what libclang does not tell: the spelling a macro type had on a
/// field's line, and which struct a macro's #define follows.</summary>
internal sealed partial class HeaderLines(string[] lines)
{
    /// <summary>The struct whose definition ends just above <paramref name="line"/> (blank lines and other
    /// #defines in between allowed), or null.</summary>
    public string? StructBefore(int line)
    {
        var i = line - 2;
        while (i >= 0 && (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith("#define", StringComparison.Ordinal))) i--;
        if (i < 0 || lines[i].Trim() != "};") return null;
        for (; i >= 0; i--)
        {
            var header = StructHeader().Match(lines[i]);
            if (header.Success) return header.Groups[1].Value;
        }
        return null;
    }

    [GeneratedRegex(@"^struct\s+(\w+)\s*\{")]
    private static partial Regex StructHeader();

    public string Line(int line) => line >= 1 && line <= lines.Length ? lines[line - 1] : "";
}
