namespace Iommu.Scanner.Cli;

/// <summary>A file named on the command line cannot be read or written: its path and why; exit 2.</summary>
internal sealed class FileArgumentException(string path, string reason) : Exception($"{path}: {reason}")
{
    /// <summary>Reads <paramref name="path"/> with <paramref name="read"/>; the ways a named file fails become this
    /// exception (never a stack trace).</summary>
    public static T Read<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (Reason(path, e) is { } reason)
        {
            throw new FileArgumentException(path, reason);
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (creating its folder), or says why it cannot.</summary>
    public static void Write(string path, string text)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (Reason(path, e) is { } reason)
        {
            throw new FileArgumentException(path, $"cannot write: {reason}");
        }
    }

    private static string? Reason(string path, Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => Directory.Exists(path) ? "a directory, not a file" : "permission denied",
        IOException => e.Message,
        _ => null,
    };
}
