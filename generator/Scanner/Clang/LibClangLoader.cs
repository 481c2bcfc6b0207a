using System.Reflection;
using System.Runtime.InteropServices;

namespace Iommu.Scanner.Clang;

/// <summary>Finds libclang at run time: Debian ships it as a versioned soname
/// (libclang-14.so.1, libclang-16.so.1, ...), never as a plain libclang.so without the -dev package.</summary>
internal static class LibClangLoader
{
    // Newest first: any of them parses the kernel uAPI headers identically.
    private static readonly string[] Candidates =
    [
        "libclang.so", "libclang-19.so.1", "libclang-18.so.1", "libclang-17.so.1", "libclang-16.so.1",
        "libclang-15.so.1", "libclang-14.so.1", "libclang.so.1",
    ];

    private static int _installed;

    public static string? LoadedFrom { get; private set; }

    /// <summary>Installs the resolver once; throws <see cref="ScanException"/> naming the package when none loads.</summary>
    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(LibClangLoader).Assembly, Resolve);
        }
        if (LoadedFrom is null)
        {
            Resolve(LibClang.Library, typeof(LibClangLoader).Assembly, null);
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibClang.Library)
        {
            return 0;
        }
        var explicitPath = Environment.GetEnvironmentVariable("IOMMU_SCAN_LIBCLANG");
        foreach (var candidate in explicitPath is { Length: > 0 } ? [explicitPath] : Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                LoadedFrom = candidate;
                return handle;
            }
        }
        throw new ScanException("SCAN001",
            "libclang was not found (tried " + string.Join(", ", explicitPath is { Length: > 0 } ? [explicitPath] : Candidates) +
            "). Install it with: apt-get install libclang1-14 (or libclang1-16), or point IOMMU_SCAN_LIBCLANG at the library.");
    }
}
