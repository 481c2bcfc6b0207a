using System;
using System.Collections.Generic;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Parsing;

/// <summary>One entry of the opt-in list: a kernel name or a <c>Prefix*</c> wildcard, optionally an
/// exclusion (<c>-name</c>), with the line it came from so diagnostics land on it.</summary>
internal sealed record OptInEntry(string Pattern, bool Exclude, int Line, int Column);

internal sealed record OptInList(string Path, EquatableArray<OptInEntry> Entries);

/// <summary>Parses the opt-in list the way CsWin32 reads NativeMethods.txt: one name per line, <c>//</c>
/// comments, blank lines ignored, invisible characters (BOM, zero-width spaces) trimmed.</summary>
internal static class OptInListParser
{
    public const string FileName = "IommuInterop.txt";

    public static OptInList Parse(string path, string text)
    {
        var entries = new List<OptInEntry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) line = line.Substring(0, comment);
            var start = 0;
            while (start < line.Length && IsInvisible(line[start])) start++;
            var end = line.Length;
            while (end > start && IsInvisible(line[end - 1])) end--;
            if (end == start) continue;
            var pattern = line.Substring(start, end - start);
            var exclude = pattern.StartsWith("-", StringComparison.Ordinal);
            entries.Add(new OptInEntry(exclude ? pattern.Substring(1).Trim() : pattern, exclude, i, start));
        }
        return new OptInList(path, entries.ToEquatableArray());
    }

    private static bool IsInvisible(char c) => char.IsWhiteSpace(c) || c == '\uFEFF' || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u2060';
}
