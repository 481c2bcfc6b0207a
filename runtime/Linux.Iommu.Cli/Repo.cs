namespace Linux.Iommu.Cli;

/// <summary>The repository the tool runs from (for the example specs), found upwards from the binary or the cwd.</summary>
internal static class Repo
{
    public static string Root =>
        Up(AppContext.BaseDirectory) ?? Up(Environment.CurrentDirectory) ?? Environment.CurrentDirectory;

    private static string? Up(string start)
    {
        for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Interop.sln"))) return dir;
        }
        return null;
    }
}
