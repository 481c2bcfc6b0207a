using Linux.Iommu.Interop.Generator.Availability;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Parsing;

internal sealed record ModelParseResult(AbiModel? Model, DiagnosticInfo? Error);

/// <summary>Reads a model file with the shared <see cref="ModelReader"/>, turning what is wrong with it into one
/// IOMMUGEN001 diagnostic at the line of the first problem. Never throws.</summary>
internal static class ModelParser
{
    /// <summary>Only what availability needs of a compared model (the whole model is not kept in the pipeline).</summary>
    public static SetContentsResult ParseContents(string path, string text)
    {
        var parsed = Parse(path, text);
        return new SetContentsResult(parsed.Model is { } model ? SetContents.Of(model) : null, parsed.Error);
    }

    public static ModelParseResult Parse(string path, string text)
    {
        try
        {
            return new ModelParseResult(ModelReader.Read(path, text), null);
        }
        catch (ModelFormatException e)
        {
            return new ModelParseResult(null,
                DiagnosticInfo.Create(Diagnostics.MalformedModel, new LocationInfo(path, e.Line, e.Column, e.Column + 1), path, e.Message));
        }
    }
}
