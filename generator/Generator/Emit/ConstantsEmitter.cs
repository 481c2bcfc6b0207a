using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>#define constants and the enumerators of anonymous enums as C# consts, typed by their C type.</summary>
internal static class ConstantsEmitter
{
    public static EmitResult Emit(EmitItem item)
    {
        var wanted = new HashSet<string>(item.Names);
        var writer = SourceWriter.File(item.Options.Namespace);
        var errors = new List<DiagnosticInfo>();
        writer.Line($"/// <summary>Constants of {item.Model.HeaderSet.Name} ({item.Model.HeaderSet.Version}) for {item.Model.Arch}.</summary>");
        using (writer.Block($"{(item.Options.Public ? "public" : "internal")} static partial class {item.Options.ConstantsClass}"))
        {
            foreach (var constant in item.Model.Constants.Where(c => wanted.Contains(c.Name)))
            {
                writer.Line();
                DocComments.Write(writer, constant.Doc, constant.Location, DocComments.Kernels(item, constant.Name));
                if (constant.Kind == ConstantKind.String)
                {
                    writer.Line($"public const string {Names.Identifier(constant.Name)} = {Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(constant.Text!, true)};");
                }
                else if (CSharpTypes.OfCType(constant.CType!) is { } type)
                {
                    writer.Line($"public const {type} {Names.Identifier(constant.Name)} = {constant.Value.ToString(CultureInfo.InvariantCulture)};");
                }
                else
                {
                    errors.Add(DiagnosticInfo.Create(Diagnostics.Inexpressible, new LocationInfo(item.Model.Path, constant.ModelLine, 0, 1), constant.Name,
                        $"its C type '{constant.CType}' has no C# constant type"));
                }
            }
            foreach (var decl in item.Model.Enums.Where(e => e.Name is null))
            {
                var type = CSharpTypes.Integer(decl.IntegerType.Size, decl.IntegerType.Signed);
                foreach (var constant in decl.Constants.Where(c => wanted.Contains(c.Name)))
                {
                    writer.Line();
                    DocComments.Write(writer, constant.Doc, decl.Location, DocComments.Sentences("An enumerator of an anonymous enum.", DocComments.Kernels(item, constant.Name)));
                    writer.Line($"public const {type} {Names.Identifier(constant.Name)} = {constant.Value.ToString(CultureInfo.InvariantCulture)};");
                }
            }
        }
        return errors.Count > 0
            ? EmitResult.Failed("Constants.g.cs", errors.ToArray())
            : new EmitResult("Constants.g.cs", writer.ToString(), EquatableArray<DiagnosticInfo>.Empty);
    }
}
