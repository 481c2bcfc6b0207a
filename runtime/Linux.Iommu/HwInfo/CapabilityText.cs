using System.Text;

namespace Linux.Iommu;

/// <summary>The wording shared by the capability descriptions: one line per topic, "NAME: yes|no" items (<see cref="Readable.YesNo"/>).</summary>
internal static class CapabilityText
{
    /// <summary>The items joined with ", ", or <paramref name="none"/> when there are none.</summary>
    public static string List(IEnumerable<string> items, string none = "none")
    {
        var joined = string.Join(", ", items);
        return joined.Length == 0 ? none : joined;
    }

    /// <summary>Appends <paramref name="line"/> on a new line, indented.</summary>
    public static StringBuilder Line(this StringBuilder text, string indent, string line)
    {
        if (text.Length > 0) text.Append('\n');
        return text.Append(indent).Append(line);
    }
}
