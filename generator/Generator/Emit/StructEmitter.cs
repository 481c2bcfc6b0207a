using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>A struct or union as an explicit-layout blittable struct (ClangSharp's mapping): every field at
/// its C offset, members of anonymous structs/unions flattened into the parent the way C names them,
/// fixed arrays as nested [InlineArray] types, bitfields as properties over their storage unit, a flexible
/// array as AsSpan/SizeOf (no bytes of the struct), and Create() for size-versioned structs.</summary>
internal sealed class StructEmitter
{
    private readonly AbiModel _model;
    private readonly EmitItem _item;
    private readonly Dictionary<string, RecordDecl> _records;
    private readonly Dictionary<string, EnumDecl> _enums;
    private readonly List<DiagnosticInfo> _errors = new();

    private StructEmitter(EmitItem item)
    {
        var model = item.Model;
        _item = item;
        _model = model;
        _records = model.Records.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _enums = model.Enums.Where(e => e.Name is not null).ToDictionary(e => e.Name!, StringComparer.Ordinal);
    }

    public static EmitResult Emit(EmitItem item)
    {
        var emitter = new StructEmitter(item);
        var record = emitter._records[item.Name];
        var writer = SourceWriter.File(item.Options.Namespace);
        writer.Line("using global::System.Runtime.CompilerServices;").Line("using global::System.Runtime.InteropServices;").Line();
        emitter.WriteRecord(writer, record, item.Options.Public ? "public" : "internal");
        var hint = $"Struct.{item.Name}.g.cs";
        return emitter._errors.Count > 0 ? EmitResult.Failed(hint, emitter._errors.ToArray()) : new EmitResult(hint, writer.ToString(), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The availability sentence of a record or field, escaped for the docs.</summary>
    private string? Kernels(string name) => DocComments.Kernels(_item, name);

    private sealed record Leaf(string Name, long Offset, FieldDecl Field);

    /// <summary>Named fields with absolute offsets, through anonymous members (the model's own flattening);
    /// an anonymous member whose record is missing is reported.</summary>
    private IEnumerable<Leaf> Leaves(RecordDecl record) =>
        record.Flatten(_records, 0, (owner, field) => Error(Diagnostics.MissingType, field.ModelLine, $"{owner.Name}.(anonymous)", field.Type.C))
            .Select(leaf => new Leaf(leaf.Path, leaf.Offset, leaf.Field));

    private void Error(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, int modelLine, params string[] arguments) =>
        _errors.Add(DiagnosticInfo.Create(descriptor, new LocationInfo(_model.Path, modelLine, 0, 1), arguments));

    private void WriteRecord(SourceWriter writer, RecordDecl record, string visibility)
    {
        var name = Names.Simple(record.Name);
        var cName = $"{ModelNames.Of(record.Kind)} {record.Name}";
        DocComments.Write(writer, record.Doc, record.Location,
            DocComments.Sentences($"C: <c>{DocComments.Escape(cName)}</c>, {record.Size} bytes, aligned to {record.Align}.", Kernels(record.Name)));
        writer.Line($"[StructLayout(LayoutKind.Explicit, Size = {record.Size}{(record.Packed ? ", Pack = 1" : "")})]");
        using (writer.Block($"{visibility} unsafe partial struct {name}"))
        {
            writer.Line($"/// <summary>sizeof({DocComments.Escape(cName)}) in C: {record.Size}.</summary>");
            writer.Line($"public const int NativeSize = {record.Size};");
            var leaves = Leaves(record).ToList();
            var storage = new HashSet<string>(StringComparer.Ordinal);
            var flexible = leaves.Where(l => l.Field.Type.Kind == TypeKind.FlexibleArray).ToList();
            var csharpAlign = 1L;
            foreach (var leaf in leaves)
            {
                writer.Line();
                var end = leaf.Offset + leaf.Field.Type.Size;
                if (leaf.Field.BitWidth is null && end > record.Size)
                {
                    Error(Diagnostics.WrongSize, leaf.Field.ModelLine, record.Name, record.Size.ToString(CultureInfo.InvariantCulture), leaf.Name, end.ToString(CultureInfo.InvariantCulture));
                    continue;
                }
                if (leaf.Field.BitWidth is { } width)
                {
                    WriteBitfield(writer, record, leaf, width, storage);
                    csharpAlign = Math.Max(csharpAlign, leaf.Field.Type.Size);
                }
                else if (leaf.Field.Type.Kind == TypeKind.FlexibleArray)
                {
                    WriteFlexibleArray(writer, record, leaf, flexible.Count == 1 ? "" : leaf.Name + "_");
                }
                else
                {
                    var type = FieldType(writer, leaf); // an array writes its [InlineArray] type first
                    DocComments.Write(writer, leaf.Field.Doc, leaf.Field.Location,
                        DocComments.Sentences($"C: <c>{DocComments.Escape(leaf.Field.Type.C)}</c> at offset {leaf.Offset}.", Kernels($"{record.Name}.{leaf.Name}")));
                    writer.Line($"[FieldOffset({leaf.Offset})] public {type} {Names.Identifier(leaf.Name)};");
                    csharpAlign = Math.Max(csharpAlign, leaf.Field.Type.Align);
                }
            }
            if (!record.Packed && csharpAlign < record.Align && _errors.Count == 0)
            {
                // A flexible array of 8-byte elements makes C align the struct to 8 with no field of its own here;
                // an overlapping private field gives .NET the same alignment without changing the size.
                if (record.Align <= 8 && record.Size % record.Align == 0 && record.Size >= record.Align)
                {
                    writer.Line();
                    writer.Line($"/// <summary>Gives the struct its C alignment ({record.Align}), which no other field here requires.</summary>");
                    writer.Line($"[FieldOffset(0)] private {CSharpTypes.Integer(record.Align, signed: false)} _alignment;");
                }
                else
                {
                    Error(Diagnostics.Inexpressible, record.ModelLine, record.Name,
                        $"its C alignment is {record.Align} but its fields only require {csharpAlign}; .NET has no way to state that alignment");
                }
            }
            if (record.SizeField() is { } sizeField)
            {
                writer.Line();
                writer.Line($"/// <summary>A zeroed {DocComments.Escape(cName)} with <c>{sizeField.Name}</c> set to its C size, as the kernel expects of a size-versioned argument.</summary>");
                writer.Line($"public static {name} Create() => new {name} {{ {Names.Identifier(sizeField.Name!)} = NativeSize }};");
            }
            foreach (var child in _records.Values.Where(r => r.Parent == record.Name).OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                writer.Line();
                WriteRecord(writer, child, "public");
            }
        }
    }

    /// <summary>The C# type of a leaf; arrays declare their [InlineArray] type right here.</summary>
    private string FieldType(SourceWriter writer, Leaf leaf)
    {
        var type = leaf.Field.Type;
        if (type.Kind != TypeKind.Array) return CSharpTypes.Value(type, _enums);
        return InlineArray(writer, type, leaf.Name + "_e__FixedBuffer");
    }

    private string InlineArray(SourceWriter writer, TypeRef array, string name)
    {
        var element = array.Element!;
        var elementType = element.Kind == TypeKind.Array ? InlineArray(writer, element, name + "_e") : CSharpTypes.Value(element, _enums);
        writer.Line($"[InlineArray({array.Count})]");
        writer.Line($"public struct {name} {{ private {elementType} _element0; }}");
        return name;
    }

    private void WriteBitfield(SourceWriter writer, RecordDecl record, Leaf leaf, int width, HashSet<string> storage)
    {
        var unitSize = leaf.Field.Type.Size;
        var bitOffset = leaf.Offset * 8 + (leaf.Field.BitOffset!.Value - leaf.Field.Offset * 8);
        var unitOffset = bitOffset / (unitSize * 8) * unitSize;
        var shift = bitOffset - unitOffset * 8;
        if (shift + width > unitSize * 8 || unitOffset + unitSize > record.Size)
        {
            Error(Diagnostics.Inexpressible, leaf.Field.ModelLine, $"{record.Name}.{leaf.Name}",
                $"the bitfield (bit {bitOffset}, width {width}) straddles its {unitSize}-byte storage unit or the end of the struct");
            return;
        }
        var unitType = CSharpTypes.Integer(unitSize, signed: false);
        var unit = $"_bitfield_{unitOffset}_{unitSize}";
        if (storage.Add(unit))
        {
            writer.Line($"[FieldOffset({unitOffset})] private {unitType} {unit};");
        }
        var valueType = CSharpTypes.Integer(unitSize, leaf.Field.Type.Signed);
        var mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
        var maskText = $"0x{mask:x}UL";
        DocComments.Write(writer, leaf.Field.Doc, leaf.Field.Location,
            DocComments.Sentences($"C: <c>{DocComments.Escape(leaf.Field.Type.C)} : {width}</c> at bit {bitOffset}.", Kernels($"{record.Name}.{leaf.Name}")));
        using (writer.Block($"public {valueType} {Names.Identifier(leaf.Name)}"))
        {
            writer.Line(leaf.Field.Type.Signed
                ? $"readonly get => unchecked(({valueType})((long)((ulong){unit} << {64 - shift - width}) >> {64 - width}));"
                : $"readonly get => unchecked(({valueType})(((ulong){unit} >> {shift}) & {maskText}));");
            writer.Line($"set => {unit} = unchecked(({unitType})(((ulong){unit} & ~({maskText} << {shift})) | (((ulong)value & {maskText}) << {shift})));");
        }
    }

    private void WriteFlexibleArray(SourceWriter writer, RecordDecl record, Leaf leaf, string prefix)
    {
        var element = leaf.Field.Type.Element!;
        var elementType = element.Kind == TypeKind.Array ? InlineArray(writer, element, leaf.Name + "_e__Element") : CSharpTypes.Value(element, _enums);
        var self = Names.Simple(record.Name);
        var what = $"the flexible array <c>{DocComments.Escape(leaf.Name)}</c> (<c>{DocComments.Escape(leaf.Field.Type.C)}</c>, elements from offset {leaf.Offset})";
        writer.Line($"/// <summary>Bytes needed for this struct followed by <paramref name=\"count\"/> elements of {what}.</summary>");
        writer.Line($"public static int {prefix}SizeOf(int count) => global::System.Math.Max(NativeSize, checked({leaf.Offset} + count * {element.Size}));");
        writer.Line();
        writer.Line($"/// <summary>{what}: valid only when this struct starts a buffer of at least <see cref=\"{prefix}SizeOf\"/>(count) bytes.</summary>");
        writer.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
        writer.Line($"public global::System.Span<{elementType}> {prefix}AsSpan(int count) =>");
        writer.Line($"    MemoryMarshal.CreateSpan(ref Unsafe.As<byte, {elementType}>(ref Unsafe.AddByteOffset(ref Unsafe.As<{self}, byte>(ref this), (nint){leaf.Offset})), count);");
        writer.Line();
        writer.Line($"/// <summary>{what} inside <paramref name=\"buffer\"/>, which holds this struct at its start.</summary>");
        writer.Line($"/// <exception cref=\"global::System.ArgumentException\">The buffer is shorter than <see cref=\"{prefix}SizeOf\"/>(count).</exception>");
        writer.Line($"public static global::System.Span<{elementType}> {prefix}AsSpan(global::System.Span<byte> buffer, int count) =>");
        writer.Line($"    buffer.Length >= {prefix}SizeOf(count)");
        writer.Line($"        ? MemoryMarshal.Cast<byte, {elementType}>(buffer.Slice({leaf.Offset}, count * {element.Size}))");
        writer.Line($"        : throw new global::System.ArgumentException($\"{record.Name} with {{count}} elements needs {{{prefix}SizeOf(count)}} bytes, the buffer has {{buffer.Length}}\", nameof(buffer));");
    }
}
