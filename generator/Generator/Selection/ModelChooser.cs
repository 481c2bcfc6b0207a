using System.Collections.Immutable;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Parsing;

namespace Linux.Iommu.Interop.Generator.Selection;

internal sealed record ChosenModel(AbiModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Picks the model of the consumer's target architecture among those given.</summary>
internal static class ModelChooser
{
    public static ChosenModel Choose(ImmutableArray<ModelParseResult> parsed, BuildSettings settings)
    {
        var options = settings.Options;
        var diagnostics = parsed.Where(p => p.Error is not null).Select(p => p.Error!).ToList();
        var models = parsed.Where(p => p.Model is not null).Select(p => p.Model!).ToList();
        if (settings.Problems.Count > 0)
        {
            diagnostics.AddRange(settings.Problems);
            return new ChosenModel(null, diagnostics.ToEquatableArray());
        }
        if (models.Count == 0)
        {
            return new ChosenModel(null, diagnostics.ToEquatableArray());
        }
        var matching = models.Where(m => m.Arch == options.Arch).ToList();
        if (matching.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoModelForArch, null, options.Arch,
                string.Join(", ", models.Select(m => $"{System.IO.Path.GetFileName(m.Path)} ({m.HeaderSet.Name} {m.Arch})"))));
            return new ChosenModel(null, diagnostics.ToEquatableArray());
        }
        if (matching.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DuplicateModel, null, options.Arch, string.Join(", ", matching.Select(m => m.Path))));
            return new ChosenModel(null, diagnostics.ToEquatableArray());
        }
        return new ChosenModel(matching[0], diagnostics.ToEquatableArray());
    }
}
