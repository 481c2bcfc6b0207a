namespace Linux.Iommu.Bench.Harness;

/// <summary>The repository root, found from the binary's folder (bench binaries live under bench/…/bin).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find(AppContext.BaseDirectory);

    private static string Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Interop.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no Interop.sln above {start}");
    }

    public static string Model(string set, string arch) => Path.Combine(Root, "headers", "models", set, arch + ".json");
}
