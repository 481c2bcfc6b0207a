namespace Iommu.Tests.Shared;

/// <summary>The repository the tests run from: the first directory above the test binary that holds Interop.sln
/// (the same on the host and in the VM guests, which see the host's tree at the same path). Linked into every
/// test project, so the walk is written once.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(System.IO.Path.Combine(dir, "Interop.sln"))) return dir;
        }
        throw new InvalidOperationException("Interop.sln not found above " + AppContext.BaseDirectory);
    }
}
