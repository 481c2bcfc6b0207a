using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Parsing;

internal sealed record ModelParseResult(AbiModel? Model, DiagnosticInfo? Error);

/// <summary>Reads a model file with the shared <see cref="ModelReader"/>, turning what is wrong with it into one
/// IOMMUGEN001 diagnostic at the line of the first problem. Never throws.</summary>
internal static class ModelParser
{
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
