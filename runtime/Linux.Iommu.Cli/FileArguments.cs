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
            if (result.GetValueOrDefault<FileInfo>() is { } file && InputProblem(file.FullName, folders: false) is { } problem) result.AddError($"{name} {file.FullName}: {problem}");
        });
        return option;
    }

    /// <summary>Files to read, the option given once or more (or with several values): each as <see cref="Input"/>;
    /// with <paramref name="folders"/> a value may also be a folder, which must hold <c>*.json</c> files.</summary>
    public static Option<string[]> Inputs(string name, string description, bool folders)
    {
        var option = new Option<string[]>(name) { Description = description, AllowMultipleArgumentsPerToken = true, Required = true };
        option.Validators.Add(result =>
        {
            foreach (var path in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (InputProblem(Path.GetFullPath(path), folders) is { } problem) result.AddError($"{name} {Path.GetFullPath(path)}: {problem}");
            }
        });
        return option;
    }

    private static string? InputProblem(string path, bool folders)
    {
        if (Directory.Exists(path))
        {
            if (!folders) return "a directory, not a file";
            return Directory.EnumerateFiles(path, "*.json").Any() ? null : "a directory without *.json files";
        }
        if (!File.Exists(path)) return folders ? "no such file or directory" : "no such file";
        return Unreadable(path) is { } reason ? $"cannot be read: {reason}" : null;
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
