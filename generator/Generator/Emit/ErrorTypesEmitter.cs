using System.Collections.Generic;
using System.Globalization;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>The error types every stub uses, in the error namespace with the visibility the options give them:
/// <c>IommuException</c> (the IommuException.cs template) and <c>Errno</c> (written from <see cref="ErrnoTable"/>).
/// Nothing when the options reuse another binding set's error types.</summary>
internal static class ErrorTypesEmitter
{
    public const string ExceptionClass = "IommuException";
    public const string ErrnoClass = "Errno";

    // The template is a real C# file in this namespace; the emitted copy lives in the consumer's.
    private const string TemplateNamespace = "Linux.Iommu.Interop";

    /// <summary>The fully qualified name of an error type the stubs of <paramref name="options"/> use.</summary>
    public static string Qualified(GeneratorOptions options, string type) => $"global::{options.ErrorNamespace}.{type}";

    public static IEnumerable<(string HintName, string Source)> Emit(GeneratorOptions options, string exceptionTemplate)
    {
        if (!options.OwnsErrorTypes) yield break;
        var visibility = options.ErrorTypes == ErrorTypes.Public ? "public" : "internal";
        yield return ($"IommuInterop.{ExceptionClass}.g.cs", exceptionTemplate
            .Replace(TemplateNamespace, options.ErrorNamespace)
            .Replace($"\ninternal class {ExceptionClass}", $"\n{visibility} class {ExceptionClass}"));
        yield return ($"IommuInterop.{ErrnoClass}.g.cs", Errno(options.ErrorNamespace, visibility));
    }

    private static string Errno(string @namespace, string visibility)
    {
        var writer = SourceWriter.File(@namespace);
        writer.Line("/// <summary>Linux errno numbers and their names (asm-generic/errno-base.h and errno.h, the same on x86_64 and arm64).</summary>");
        using (writer.Block($"{visibility} static class {ErrnoClass}"))
        {
            foreach (var (name, value) in ErrnoTable.Entries) writer.Line($"public const int {name} = {value.ToString(CultureInfo.InvariantCulture)};");
            writer.Line();
            writer.Line("/// <summary>The symbolic name of <paramref name=\"errno\"/> (\"EEXIST\"), or \"errno N\" for a number Linux does not define.</summary>");
            writer.Line("public static string Name(int errno) => errno switch");
            writer.Line("{");
            foreach (var (name, _) in ErrnoTable.Entries) writer.Line($"    {name} => nameof({name}),");
            writer.Line("    _ => \"errno \" + errno.ToString(global::System.Globalization.CultureInfo.InvariantCulture),");
            writer.Line("};");
        }
        return writer.ToString();
    }
}
