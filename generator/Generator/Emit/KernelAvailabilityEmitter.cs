using System.Linq;
using System.Globalization;
using Linux.Iommu.Interop.Generator.Availability;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>The <c>KernelAvailability</c> class: which compared kernel sets have each generated name, so the runtime can
/// say what a kernel lacks ("absent from linux-6.12, present in linux-7.3") without the models at run time. String
/// switches: no allocation, no table built at start-up.</summary>
internal static class KernelAvailabilityEmitter
{
    public const string ClassName = "KernelAvailability";

    public static EmitResult Emit(KernelTable table)
    {
        var options = table.Options;
        var name = options.ClassPrefix + ClassName;
        var hint = $"IommuInterop.{name}.g.cs";
        if (table.Sets.Count > KernelTable.MaxSets)
        {
            return EmitResult.Failed(hint, DiagnosticInfo.Create(Diagnostics.Inexpressible, null, name,
                $"{table.Sets.Count} kernel sets were compared; the table holds at most {KernelTable.MaxSets}"));
        }
        var writer = SourceWriter.File(options.Namespace);
        writer.Line($"/// <summary>Which of the kernel header sets compared at build time ({DocComments.Escape(AvailabilityTable.Join(table.Sets))}) define each");
        writer.Line("/// generated name: structs and unions (with their sizes), enums, enumerators, constants, ioctls.</summary>");
        using (writer.Block($"{(options.Public ? "public" : "internal")} static class {name}"))
        {
            writer.Line("/// <summary>The kernel sets compared, oldest first.</summary>");
            writer.Line($"public static global::System.Collections.Generic.IReadOnlyList<string> KernelSets {{ get; }} = new string[] {{ {string.Join(", ", table.Sets.Items.Select(Literal))} }};");
            writer.Line();
            writer.Line("/// <summary>Where the kernel sets differ about <paramref name=\"name\"/>: \"absent from linux-6.12, present in linux-7.3\", with the size in");
            writer.Line("/// each set when a struct's size differs; null when every set has it with one size.</summary>");
            writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"name\"/> is not a name these bindings were generated for.</exception>");
            using (writer.Block("public static string? Evidence(string name)"))
            {
                writer.Line("_ = Sets(name);");
                writer.Line("return name switch");
                writer.Line("{");
                foreach (var row in table.Rows)
                {
                    if (row.Evidence is not null) writer.Line($"    {Literal(row.Name)} => {Literal(row.Evidence)},");
                }
                writer.Line("    _ => null,");
                writer.Line("};");
            }
            writer.Line();
            writer.Line("/// <summary>Whether the kernel set <paramref name=\"kernelSet\"/> (one of <see cref=\"KernelSets\"/>) defines <paramref name=\"name\"/>.</summary>");
            writer.Line("/// <exception cref=\"global::System.ArgumentException\">An unknown name or kernel set.</exception>");
            writer.Line("public static bool IsIn(string name, string kernelSet) => (Sets(name) & (1UL << SetIndex(kernelSet))) != 0;");
            writer.Line();
            writer.Line("/// <summary>The C size of the struct or union <paramref name=\"name\"/> in the kernel set <paramref name=\"kernelSet\"/>, or null");
            writer.Line("/// where that set lacks it: what an argument the kernel copies whole (HWPT and vIOMMU data) must be sent as.</summary>");
            writer.Line("/// <exception cref=\"global::System.ArgumentException\">An unknown kernel set, or a name that is no generated struct or union.</exception>");
            writer.Line("public static int? SizeIn(string name, string kernelSet)");
            writer.Line("{");
            writer.Line("    var size = Sizes(name)[SetIndex(kernelSet)];");
            writer.Line("    return size < 0 ? null : size;");
            writer.Line("}");
            writer.Line();
            writer.Line("private static global::System.ReadOnlySpan<int> Sizes(string name) => name switch");
            writer.Line("{");
            foreach (var row in table.Rows)
            {
                if (row.Sizes.Count > 0) writer.Line($"    {Literal(row.Name)} => [{string.Join(", ", row.Sizes.Select(size => size.ToString(CultureInfo.InvariantCulture)))}],");
            }
            writer.Line($"    _ => throw new global::System.ArgumentException(\"'\" + name + \"' is not a struct or union these bindings were generated for\", nameof(name)),");
            writer.Line("};");
            writer.Line();
            writer.Line("private static int SetIndex(string kernelSet) => kernelSet switch");
            writer.Line("{");
            for (var i = 0; i < table.Sets.Count; i++) writer.Line($"    {Literal(table.Sets[i])} => {i.ToString(CultureInfo.InvariantCulture)},");
            writer.Line($"    _ => throw new global::System.ArgumentException(\"'\" + kernelSet + {Literal($"' is not a kernel set these bindings were compared with ({string.Join(", ", table.Sets)})")}, nameof(kernelSet)),");
            writer.Line("};");
            writer.Line();
            writer.Line("private static ulong Sets(string name) => name switch");
            writer.Line("{");
            foreach (var row in table.Rows) writer.Line($"    {Literal(row.Name)} => 0x{row.Sets.ToString("x", CultureInfo.InvariantCulture)}UL,");
            writer.Line($"    _ => throw new global::System.ArgumentException(\"'\" + name + \"' is not a name these bindings were generated for\", nameof(name)),");
            writer.Line("};");
        }
        return new EmitResult(hint, writer.ToString(), EquatableArray<DiagnosticInfo>.Empty);
    }

    private static string Literal(string text) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, true);
}
