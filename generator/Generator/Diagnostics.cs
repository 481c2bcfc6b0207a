using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Linux.Iommu.Interop.Generator;

/// <summary>Every diagnostic the generator reports. IDs are stable (AnalyzerReleases.*.md) and documented in docs/generator.md.</summary>
internal static class Diagnostics
{
    private const string Category = "IommuInterop";

    public static readonly DiagnosticDescriptor MalformedModel = new(
        "IOMMUGEN001", "Malformed ABI model", "The ABI model '{0}' is malformed: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownName = new(
        "IOMMUGEN002", "Unknown name in the opt-in list", "'{0}' matches nothing in the {1} model{2}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NoModelForArch = new(
        "IOMMUGEN003", "No ABI model for the target architecture",
        "No ABI model for architecture '{0}' was given (models found: {1}); add the {0} model to AdditionalFiles or set IommuInteropArch",
        Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor Inexpressible = new(
        "IOMMUGEN004", "C construct the generator cannot express", "'{0}' cannot be generated: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor EmptyList = new(
        "IOMMUGEN005", "Empty opt-in list", "The opt-in list '{0}' names nothing: list kernel names (iommu_ioas_map, IOMMU_IOAS_*) one per line",
        Category, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor MissingArgument = new(
        "IOMMUGEN006", "An ioctl's argument struct is missing from the model",
        "The ioctl '{0}' takes struct '{1}', which the model does not define", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor MissingType = new(
        "IOMMUGEN007", "A field's type is missing from the model", "The field '{0}' has type '{1}', which the model does not define", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor WrongSize = new(
        "IOMMUGEN008", "A record's size contradicts its fields", "'{0}' is {1} bytes in the model but its field '{2}' ends at byte {3}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NoList = new(
        "IOMMUGEN009", "No opt-in list",
        "No opt-in list: create '{0}' (IommuInterop.txt in the project directory) with the kernel names to generate, one a line (IOMMU_IOAS_MAP, iommu_hw_info_vtd, IOMMU_IOAS_*, *); until then nothing is generated",
        Category, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor DuplicateModel = new(
        "IOMMUGEN010", "Several ABI models for one architecture", "Several ABI models for architecture '{0}' were given: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownArch = new(
        "IOMMUGEN011", "Unknown target architecture",
        "The target architecture '{0}' (from {1}) has no ABI model: the models describe x86_64 and aarch64 (IommuInteropArch also accepts x64, amd64, arm64)",
        Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownKernel = new(
        "IOMMUGEN012", "Unknown kernel",
        "IommuInteropKernel '{0}' names no kernel whose models this package has; set it to one of: {1}{2}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ThirtyTwoBitTarget = new(
        "IOMMUGEN013", "32-bit target",
        "The target '{0}' (from {1}) is 32-bit: the ABI models describe 64-bit x86_64 and aarch64 only (pointers and longs are 4 bytes on 32-bit), so no correct layout can be generated; target x64 or arm64",
        Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InvalidClassPrefix = new(
        "IOMMUGEN014", "Invalid class prefix",
        "IommuInteropClassPrefix '{0}' does not start a C# identifier ('{0}Ioctls'); use letters, digits and '_'", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InvalidErrorTypes = new(
        "IOMMUGEN015", "Invalid error types option",
        "IommuInteropErrorTypes '{0}' is none of public, internal or none", Category, DiagnosticSeverity.Error, true);

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
    {
        MalformedModel, UnknownName, NoModelForArch, Inexpressible, EmptyList, MissingArgument, MissingType, WrongSize, NoList, DuplicateModel, UnknownArch,
        UnknownKernel, ThirtyTwoBitTarget, InvalidClassPrefix, InvalidErrorTypes,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];
}
