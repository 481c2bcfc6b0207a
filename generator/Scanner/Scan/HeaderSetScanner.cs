using Iommu.Scanner.Clang;

namespace Iommu.Scanner.Scan;

/// <summary>What to scan: an extracted <c>usr/include</c> of a header set, the headers wanted, the architecture.
/// A header written <c>linux/iommufd.h?</c> is one the set may lack (6.1 predates iommufd): if it is not there, the
/// model records it under <c>absentHeaders</c> instead of failing.</summary>
internal sealed record ScanRequest(string IncludeRoot, IReadOnlyList<string> Headers, string Arch, HeaderSet HeaderSet)
{
    public const char OptionalMark = '?';
}

/// <summary>Scans one header set for one architecture into an <see cref="AbiModel"/>; any header that does
/// not parse, any construct or macro the model cannot express, stops the scan with a located error.</summary>
internal static class HeaderSetScanner
{
    public const string Version = "0.1.0";

    public static IReadOnlyDictionary<string, string> Triples { get; } = new Dictionary<string, string>
    {
        ["x86_64"] = "x86_64-linux-gnu",
        ["aarch64"] = "aarch64-linux-gnu",
    };

    public static AbiModel Scan(ScanRequest request)
    {
        if (!Triples.TryGetValue(request.Arch, out var triple))
        {
            throw new ScanException("SCAN003", $"unknown architecture '{request.Arch}' (known: {string.Join(", ", Triples.Keys)})");
        }
        if (!Directory.Exists(request.IncludeRoot))
        {
            throw new ScanException("SCAN004", $"include directory '{request.IncludeRoot}' does not exist");
        }
        var headers = new List<string>();
        var absent = new List<string>();
        foreach (var wanted in request.Headers)
        {
            var optional = wanted.EndsWith(ScanRequest.OptionalMark);
            var header = wanted.TrimEnd(ScanRequest.OptionalMark);
            if (File.Exists(Path.Combine(request.IncludeRoot, header))) headers.Add(header);
            else if (optional) absent.Add(header);
            else throw new ScanException("SCAN005", $"header '{header}' not found under '{request.IncludeRoot}' (write '{header}?' if the set may lack it)");
        }
        if (headers.Count == 0)
        {
            throw new ScanException("SCAN005", $"none of the headers ({string.Join(", ", absent)}) is under '{request.IncludeRoot}': nothing to scan");
        }
        var archIncludes = Path.Combine(request.IncludeRoot, triple);
        if (!Directory.Exists(Path.Combine(archIncludes, "asm")))
        {
            throw new ScanException("SCAN006", $"no asm headers for {request.Arch} at '{archIncludes}/asm'");
        }

        // Only the header set's own directories: the host's headers must never leak in.
        string[] arguments = ["-x", "c", "-std=gnu11", "-target", triple, "-nostdinc", "-isystem", archIncludes, "-isystem", request.IncludeRoot];
        var includes = string.Concat(headers.Select(h => $"#include <{h}>\n"));
        var context = new ScanContext(request.IncludeRoot, headers);

        using var unit = TranslationUnit.Parse("__iommu_scan_main.c", includes, arguments,
            CXTranslationUnitFlags.DetailedPreprocessingRecord | CXTranslationUnitFlags.SkipFunctionBodies);
        if (unit.Diagnostics().FirstOrDefault(d => d.IsError) is { } error)
        {
            throw new ScanException("SCAN007", $"the headers do not parse: {error.Message}", context.Locate(error.Location));
        }

        var declarations = new DeclarationScanner(context);
        declarations.Scan(unit);
        var macros = new MacroScanner(context, declarations.Records);
        macros.Scan(unit, includes, arguments);

        return new AbiModel(AbiModel.CurrentSchema, $"iommu-scan {Version}", request.HeaderSet, request.Arch, triple, headers.ToEquatableArray(),
            declarations.Records.ToEquatableArray(), declarations.Enums.ToEquatableArray(), macros.Constants, macros.Ioctls) { AbsentHeaders = absent.ToEquatableArray() };
    }
}
