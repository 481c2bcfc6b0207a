namespace Iommu.Scanner.Model;

/// <summary>A committed model file read with the shared <see cref="ModelReader"/>; a malformed one is SCAN030
/// with the file, line and column of the first problem.</summary>
internal static class ModelFile
{
    public static AbiModel Read(string path)
    {
        try
        {
            return ModelReader.Read(path, File.ReadAllText(path));
        }
        catch (ModelFormatException e)
        {
            throw new ScanException("SCAN030", $"{path}: not a valid ABI model: line {e.Line + 1}, column {e.Column + 1}: {e.Message}");
        }
    }
}
