using System;
using System.Collections.Generic;
using System.Linq;
using Iommu.Abi;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>What a failed ioctl's exception says it was called with: the argument struct's scalar input fields as
/// "name value" (ids, descriptors, counts and types in decimal; addresses, lengths and flags in hex), a scalar argument's
/// value, or a device name. Built in an out-of-line Throw method per stub, so the success path carries one call to it
/// and nothing else; the method is public for a caller of the Try stub that decides its errno is an error.</summary>
internal static class ArgumentContext
{
    private const string Invariant = "global::System.Globalization.CultureInfo.InvariantCulture";

    public static string ThrowMethod(IoctlDecl ioctl) => $"Throw{ioctl.Name}";

    /// <summary>How a stub passes its argument (declared by <paramref name="parameter"/>) on to its Throw method.</summary>
    public static string PassArgument(string parameter) =>
        parameter.StartsWith(", ref ", StringComparison.Ordinal) ? "in argument"
        : parameter.Contains("nulTerminated") ? "nulTerminated"
        : "argument";

    public static void WriteThrow(SourceWriter writer, AbiModel model, IoctlDecl ioctl, string parameter, string exception)
    {
        var declared = parameter.Split('=')[0].Trim().TrimStart(',').Trim();
        if (declared.StartsWith("ref ", StringComparison.Ordinal)) declared = "in " + declared.Substring(4);
        writer.Line($"/// <summary>Throws what a failed <c>{ioctl.Name}</c> throws: the ioctl, <paramref name=\"errno\"/> (positive) and what the");
        writer.Line($"/// argument says, then <paramref name=\"detail\"/>. For a caller of <c>Try{ioctl.Name}</c> that decides the errno is an");
        writer.Line("/// error, or that knows more than the argument says.</summary>");
        writer.Line($"/// <exception cref=\"{exception}\">Always.</exception>");
        writer.Line("[global::System.Diagnostics.CodeAnalysis.DoesNotReturn]");
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
        using (writer.Block($"public static void {ThrowMethod(ioctl)}(int errno, {declared}, string? detail = null)"))
        {
            writer.Line($"string? context = {Context(model, ioctl, declared)};");
            writer.Line($"throw new {exception}(\"{ioctl.Name}\", errno, context is null ? detail : detail is null ? context : context + \"; \" + detail);");
        }
    }

    private static string Context(AbiModel model, IoctlDecl ioctl, string declared)
    {
        if (declared.Contains("nulTerminated"))
        {
            return "\"'\" + global::System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)nulTerminated) + \"'\"";
        }
        if (ioctl.Argument?.Record is not { } recordName)
        {
            // a value (VFIO_CHECK_EXTENSION's extension) or nothing at all (VFIO_DEVICE_RESET passes 0)
            return declared.StartsWith("nuint", StringComparison.Ordinal)
                ? $"argument == 0 ? null : string.Create({Invariant}, $\"argument 0x{{argument:x}}\")"
                : $"string.Create({Invariant}, $\"argument {{argument}}\")";
        }
        var record = model.Records.FirstOrDefault(r => r.Name == recordName);
        var sizeHeader = record?.SizeField();
        var parts = record is null ? new List<string>() : record.Fields.Where(f => f != sizeHeader && IsInput(f)).Select(Part).ToList();
        return parts.Count == 0 ? "null" : $"string.Create({Invariant}, $\"{string.Join(", ", parts)}\")";
    }

    /// <summary>A scalar the caller set: not reserved padding, an output, a bitfield or an aggregate (the size header,
    /// <see cref="RecordLayout.SizeField"/>, is left out by the caller; a later field named size, as type1's mapping
    /// length, is an input).</summary>
    private static bool IsInput(FieldDecl field) =>
        field.Name is { } name && field.BitWidth is null && field.Type.Kind is TypeKind.Int or TypeKind.Enum or TypeKind.Pointer &&
        !name.StartsWith("__", StringComparison.Ordinal) &&
        !name.StartsWith("reserved", StringComparison.Ordinal) && !name.StartsWith("pad", StringComparison.Ordinal) &&
        !name.StartsWith("out_", StringComparison.Ordinal);

    private static string Part(FieldDecl field)
    {
        var name = field.Name!;
        var member = $"argument.{Names.Identifier(name)}";
        if (field.Type.Kind == TypeKind.Enum) return $"{name} {{{member}}}"; // its enumerator's name where the enum is generated
        return IsCountLike(name) ? $"{name} {{{member}}}" : $"{name} 0x{{{member}:x}}";
    }

    private static bool IsCountLike(string name) =>
        name is "id" or "index" or "type" or "op" or "count" ||
        name.EndsWith("_id", StringComparison.Ordinal) || name.EndsWith("fd", StringComparison.Ordinal) ||
        name.EndsWith("_type", StringComparison.Ordinal) || name.EndsWith("_num", StringComparison.Ordinal) ||
        name.StartsWith("num_", StringComparison.Ordinal) || name.EndsWith("_len", StringComparison.Ordinal) ||
        name.EndsWith("_depth", StringComparison.Ordinal);
}
