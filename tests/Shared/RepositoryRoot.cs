namespace Iommu.Tests.Shared;

/// <summary>The repository the tests and benchmarks run from: the first directory above the binary that holds
/// Interop.sln, else above the working directory (a self-contained publish for the aarch64 guest lives outside the
/// tree and is run from its root). The VM guests see the host's tree at the same path. Linked into every test
/// project and the benchmarks, so the walk is written once.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find() =>
        Above(AppContext.BaseDirectory) ?? Above(Environment.CurrentDirectory)
        ?? throw new InvalidOperationException($"Interop.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");

    private static string? Above(string start)
    {
        for (var dir = System.IO.Path.GetFullPath(start); dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(System.IO.Path.Combine(dir, "Interop.sln"))) return dir;
        }
        return null;
    }
}
