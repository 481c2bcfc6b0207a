using System.Reflection;
using Iommu.Tests.Shared;

namespace Vm.Tests;

/// <summary>The programs this assembly runs as processes (the iommu tool, the benchmark program), at the paths their own
/// projects computed when this assembly was built (Vm.Tests.csproj records them): no test types an output layout. The
/// guest sees the host's tree at the same path.</summary>
internal static class BuiltProgram
{
    /// <summary>Runs <c>dotnet exec</c> of the program whose assembly is named <paramref name="assembly"/>.</summary>
    public static ProcessResult Run(string assembly, params string[] arguments) =>
        Processes.Run("dotnet", ["exec", PathOf(assembly), .. arguments]);

    /// <summary>Runs the program with <c>--out</c> a fresh directory, asserts it exited 0, and returns the lines of the
    /// result <paramref name="file"/> it wrote there (the directory is deleted).</summary>
    public static string[] ResultFile(string assembly, string file, params string[] arguments)
    {
        var output = Directory.CreateTempSubdirectory(assembly);
        try
        {
            var result = Run(assembly, [.. arguments, "--out", output.FullName]);
            Assert.True(result.ExitCode == 0, $"{assembly} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
            return File.ReadAllLines(Path.Combine(output.FullName, file));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    public static string PathOf(string assembly) =>
        typeof(BuiltProgram).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == $"BuiltProgram:{assembly}")?.Value
        ?? throw new InvalidOperationException($"Vm.Tests was built without the path of {assembly}: give its ProjectReference BuiltProgram=\"true\"");
}
