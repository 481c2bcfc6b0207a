using System;
using System.Linq;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>XML doc comments from kernel-doc text: escaped, paragraphs kept, the header location cited.</summary>
internal static class DocComments
{
    public static void Write(SourceWriter writer, string? doc, SourceLocation location, string? extra = null)
    {
        writer.Line("/// <summary>");
        var paragraphs = (doc ?? "").Replace("\r", "").Split(new[] { "\n\n" }, StringSplitOptions.RemoveEmptyEntries);
        if (paragraphs.Length == 0) writer.Line("/// (no kernel-doc)");
        for (var i = 0; i < paragraphs.Length; i++)
        {
            if (i > 0) writer.Line("/// <para>");
            foreach (var line in paragraphs[i].Split('\n').Where(l => l.Trim().Length > 0)) writer.Line("/// " + Escape(line.TrimEnd()));
            if (i > 0) writer.Line("/// </para>");
        }
        writer.Line("/// </summary>");
        writer.Line($"/// <remarks>Declared in <c>{Escape(location.ToString())}</c>.{(extra is null ? "" : " " + extra)}</remarks>");
    }

    /// <summary>Sentences joined for a remarks element, the missing ones left out.</summary>
    public static string? Sentences(params string?[] sentences)
    {
        var present = sentences.Where(s => s is not null).ToArray();
        return present.Length == 0 ? null : string.Join(" ", present);
    }

    /// <summary>The availability sentence the item carries for <paramref name="name"/>, escaped, or null.</summary>
    public static string? Kernels(Selection.EmitItem item, string name) => item.KernelsOf(name) is { } text ? Escape(text) : null;

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
