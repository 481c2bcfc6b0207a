namespace Linux.Iommu.Bench.Harness;

/// <summary>The repository root, found above the binary's folder (bench/…/bin) or else above the working directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find(AppContext.BaseDirectory) ?? Find(Environment.CurrentDirectory)
        ?? throw new DirectoryNotFoundException($"no Interop.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");

    private static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Interop.sln"))) return dir.FullName;
        }
        return null;
    }

    public static string Model(string set, string arch) => Path.Combine(Root, "headers", "models", set, arch + ".json");
}
