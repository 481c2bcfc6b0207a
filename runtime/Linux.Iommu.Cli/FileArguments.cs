using System.CommandLine;

namespace Linux.Iommu.Cli;

/// <summary>Options that name a file: checked while the command line is parsed, so a file that is missing, unreadable
/// or cannot be written is a usage error (exit 2, naming the path) before any device is touched.</summary>
internal static class FileArguments
{
    /// <summary>A file to read: it must exist, be a file and open for reading.</summary>
    public static Option<FileInfo> Input(string name, string description)
    {
        var option = new Option<FileInfo>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is not { } file) return;
            if (Directory.Exists(file.FullName)) result.AddError($"{name} {file.FullName}: a directory, not a file");
            else if (!file.Exists) result.AddError($"{name} {file.FullName}: no such file");
            else if (Unreadable(file.FullName) is { } reason) result.AddError($"{name} {file.FullName}: cannot be read: {reason}");
        });
        return option;
    }

    /// <summary>A file to write: its folder must exist and the path must not be a folder.</summary>
    public static Option<FileInfo> Output(string name, string description)
    {
        var option = new Option<FileInfo>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is not { } file) return;
            if (Directory.Exists(file.FullName)) result.AddError($"{name} {file.FullName}: a directory, not a file");
            else if (!Directory.Exists(file.DirectoryName)) result.AddError($"{name} {file.FullName}: no such directory {file.DirectoryName}");
        });
        return option;
    }

    private static string? Unreadable(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }
}
