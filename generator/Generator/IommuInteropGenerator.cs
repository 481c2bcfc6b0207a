using System;
using System.IO;
using System.Linq;
using System.Threading;
using Linux.Iommu.Interop.Generator.Availability;
using Linux.Iommu.Interop.Generator.Emit;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Parsing;
using Linux.Iommu.Interop.Generator.Selection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Linux.Iommu.Interop.Generator;

/// <summary>Generates blittable structs, enums, constants and ioctl stubs from a kernel ABI model
/// (an AdditionalFile with IommuInteropModel="true") for the names in IommuInterop.txt.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class IommuInteropGenerator : IIncrementalGenerator
{
    public static class StepNames
    {
        public const string Options = nameof(Options);
        public const string ParseModel = nameof(ParseModel);
        public const string ParseList = nameof(ParseList);
        public const string ChooseModel = nameof(ChooseModel);
        public const string Select = nameof(Select);
        public const string ParseComparedModel = nameof(ParseComparedModel);
        public const string Availability = nameof(Availability);
        public const string KernelNotes = nameof(KernelNotes);
        public const string KernelTable = nameof(KernelTable);
        public const string Emit = nameof(Emit);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Only the libc import is added at post-initialization: the SDK's LibraryImport generator sees nothing later.
        context.RegisterPostInitializationOutput(static post =>
            post.AddSource("IommuInterop.LibC.g.cs", SourceText.From(Template("LibC"), System.Text.Encoding.UTF8)));

        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadOptions(provider.GlobalOptions))
            .WithTrackingName(StepNames.Options);

        // The error types follow the options (namespace, visibility), so they are ordinary output.
        context.RegisterSourceOutput(options, static (spc, o) =>
        {
            foreach (var (hint, source) in ErrorTypesEmitter.Emit(o.Options, Template("IommuException")))
                spc.AddSource(hint, SourceText.From(source, System.Text.Encoding.UTF8));
        });

        var models = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static pair => HasModelRole(pair.Left, pair.Right, ModelRoleGenerate))
            .Select(static (pair, cancellation) => ModelParser.Parse(pair.Left.Path, pair.Left.GetText(cancellation)?.ToString() ?? ""))
            .WithTrackingName(StepNames.ParseModel);

        // The other kernels' models, read only for which names they define: availability, not bindings.
        var compared = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static pair => HasModelRole(pair.Left, pair.Right, ModelRoleAvailability))
            .Select(static (pair, cancellation) => ModelParser.ParseContents(pair.Left.Path, pair.Left.GetText(cancellation)?.ToString() ?? ""))
            .WithTrackingName(StepNames.ParseComparedModel);
        context.RegisterSourceOutput(compared.Where(static c => c.Error is not null), static (spc, c) => spc.ReportDiagnostic(c.Error!.ToDiagnostic()));

        var lists = context.AdditionalTextsProvider
            .Where(static text => string.Equals(Path.GetFileName(text.Path), OptInListParser.FileName, StringComparison.OrdinalIgnoreCase))
            .Select(static (text, cancellation) => OptInListParser.Parse(text.Path, text.GetText(cancellation)?.ToString() ?? ""))
            .WithTrackingName(StepNames.ParseList);

        var chosen = models.Collect().Combine(options)
            .Select(static (pair, _) => (Chosen: ModelChooser.Choose(pair.Left, pair.Right), Settings: pair.Right))
            .WithTrackingName(StepNames.ChooseModel);

        var availability = chosen.Combine(compared.Collect())
            .Select(static (pair, _) => AvailabilityTable.Build(pair.Left.Chosen.Model is { } model ? SetContents.Of(model) : null,
                pair.Right.Where(c => c.Contents is not null).Select(c => c.Contents!)))
            .WithTrackingName(StepNames.Availability);

        var selection = chosen.Combine(lists.Collect())
            .Select(static (pair, _) => Selector.Select(pair.Left.Chosen, pair.Right, pair.Left.Settings))
            .WithTrackingName(StepNames.Select)
            .Combine(availability)
            .Select(static (pair, _) => KernelNotes.Attach(pair.Left, pair.Right))
            .WithTrackingName(StepNames.KernelNotes);

        var kernelTable = selection.Combine(availability)
            .Select(static (pair, _) => KernelTable.Of(pair.Left, pair.Right) is { } table ? KernelAvailabilityEmitter.Emit(table) : null)
            .WithTrackingName(StepNames.KernelTable);
        context.RegisterSourceOutput(kernelTable, static (spc, file) => AddFile(spc, file));

        context.RegisterSourceOutput(selection.SelectMany(static (s, _) => s.Diagnostics), static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

        var files = selection.SelectMany(static (s, _) => s.Items)
            .Select(static (item, _) => EmitSafely(item))
            .WithTrackingName(StepNames.Emit);

        context.RegisterSourceOutput(files, static (spc, file) => AddFile(spc, file));
    }

    /// <summary>IommuInteropModel="true": the model bindings are generated from; "availability": another kernel's
    /// model of the same headers, compared with it for the availability docs and the KernelAvailability table.</summary>
    private const string ModelRoleGenerate = "true";
    private const string ModelRoleAvailability = "availability";

    private static bool HasModelRole(AdditionalText text, AnalyzerConfigOptionsProvider options, string role) =>
        options.GetOptions(text).TryGetValue("build_metadata.AdditionalFiles.IommuInteropModel", out var value) &&
        string.Equals(value, role, StringComparison.OrdinalIgnoreCase);

    private static void AddFile(SourceProductionContext spc, EmitResult? file)
    {
        if (file is null) return;
        foreach (var diagnostic in file.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        if (file.Source is not null) spc.AddSource(file.HintName, SourceText.From(file.Source, System.Text.Encoding.UTF8));
    }

    private static BuildSettings ReadOptions(AnalyzerConfigOptions global)
    {
        string? Get(string name) => global.TryGetValue($"build_property.{name}", out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var (arch, archProblem) = TargetArchitecture.Resolve(Get("IommuInteropArch"), Get("RuntimeIdentifier"), Get("PlatformTarget"));
        var prefix = Get("IommuInteropClassPrefix") ?? "";
        var prefixProblem = SyntaxFacts.IsValidIdentifier(prefix + "Ioctls") ? null : DiagnosticInfo.Create(Diagnostics.InvalidClassPrefix, null, prefix);
        var ns = Get("IommuInteropNamespace") ?? GeneratorOptions.DefaultNamespace;
        var options = new GeneratorOptions(arch, ns, string.Equals(Get("IommuInteropPublic"), "true", StringComparison.OrdinalIgnoreCase),
            Get("IommuInteropErrorNamespace") ?? ns) { ClassPrefix = prefix };
        var errorTypesText = Get("IommuInteropErrorTypes");
        ErrorTypes? errorTypes = errorTypesText?.ToLowerInvariant() switch
        {
            null => options.ErrorTypes,
            "public" => ErrorTypes.Public,
            "internal" => ErrorTypes.Internal,
            "none" => ErrorTypes.None,
            _ => null,
        };
        var errorTypesProblem = errorTypes is null ? DiagnosticInfo.Create(Diagnostics.InvalidErrorTypes, null, errorTypesText!) : null;
        options = options with { ErrorTypes = errorTypes ?? options.ErrorTypes };
        var problems = new[] { PackageKernels.Check(Get("IommuInteropKernel"), Get("IommuInteropKernels")), archProblem, prefixProblem, errorTypesProblem }
            .Where(p => p is not null).Select(p => p!).ToEquatableArray();
        return new BuildSettings(options, Get("ProjectDir"), problems);
    }

    /// <summary>An emitter bug must not take the build down with an opaque AD0001: report it as a diagnostic on the item.</summary>
    private static EmitResult EmitSafely(EmitItem item)
    {
        try
        {
            return item.Kind switch
            {
                ItemKind.Record => StructEmitter.Emit(item),
                ItemKind.Enum => EnumEmitter.Emit(item),
                ItemKind.Constants => ConstantsEmitter.Emit(item),
                _ => IoctlEmitter.Emit(item),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return EmitResult.Failed(item.Name, DiagnosticInfo.Create(Diagnostics.Inexpressible, null, item.Name, $"internal error: {e.GetType().Name}: {e.Message}"));
        }
    }

    private static string Template(string name)
    {
        using var stream = typeof(IommuInteropGenerator).Assembly.GetManifestResourceStream($"Templates.{name}.cs")
                           ?? throw new InvalidOperationException($"template {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
