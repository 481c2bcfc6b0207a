using System.Globalization;
using System.Linq;
using System.Numerics;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>A named C enum as a C# enum of the same underlying type; [Flags] when it is a set of bits.</summary>
internal static class EnumEmitter
{
    public static EmitResult Emit(EmitItem item)
    {
        var decl = item.Model.Enums.First(e => e.Name == item.Name);
        var underlying = CSharpTypes.Integer(decl.IntegerType.Size, decl.IntegerType.Signed);
        var writer = SourceWriter.File(item.Options.Namespace);
        DocComments.Write(writer, decl.Doc, decl.Location, DocComments.Sentences($"C: <c>enum {decl.Name}</c> ({underlying}).", DocComments.Kernels(item, decl.Name!)));
        if (IsFlags(decl)) writer.Line("[global::System.Flags]");
        using (writer.Block($"{(item.Options.Public ? "public" : "internal")} enum {Names.Identifier(decl.Name!)} : {underlying}"))
        {
            foreach (var constant in decl.Constants)
            {
                if (constant.Doc is not null) writer.Line($"/// <summary>{DocComments.Escape(constant.Doc)}</summary>");
                if (DocComments.Kernels(item, constant.Name) is { } kernels) writer.Line($"/// <remarks>{kernels}</remarks>");
                writer.Line($"{Names.Identifier(constant.Name)} = {constant.Value.ToString(CultureInfo.InvariantCulture)},");
            }
        }
        return new EmitResult($"Enum.{item.Name}.g.cs", writer.ToString(), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Every non-zero value a single bit, and either "flag" in the name or at least three bits
    /// (so 0, 1, 2 numbering such as iommu_hw_info_type is not mistaken for flags).</summary>
    public static bool IsFlags(EnumDecl decl)
    {
        var values = decl.Constants.Select(c => c.Value).Where(v => !v.IsZero).ToList();
        if (values.Count < 2 || values.Any(v => v.Sign < 0 || !(v & (v - 1)).IsZero)) return false;
        return decl.Name!.ToLowerInvariant().Contains("flag") || values.Distinct().Count() >= 3;
    }
}
