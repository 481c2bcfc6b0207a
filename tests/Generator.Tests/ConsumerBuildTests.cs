using Iommu.Tests.Shared;
using Linux.Iommu.Interop.Generator.Tests.Support;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>Real <c>dotnet build</c>s of a consumer project that imports the generator's props/targets from source
/// (as runtime/Linux.Iommu does; the package's layout differs only in where the models folder is), with the
/// generator built next to these tests as its analyzer: what MSBuild passes the generator is tested here, not faked.</summary>
public class ConsumerBuildTests
{
    private static ProcessResult Build(string properties, string list)
    {
        var dir = Directory.CreateTempSubdirectory("iommu-consumer-").FullName;
        try
        {
            var build = Path.Combine(Repo.Root, "generator", "Generator", "build");
            File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <IommuInteropModelsDirectory>{Path.Combine(Repo.Root, "headers", "models")}/</IommuInteropModelsDirectory>
                    {properties}
                  </PropertyGroup>
                  <Import Project="{build}/Linux.Iommu.Interop.Generator.props" />
                  <ItemGroup>
                    <Analyzer Include="{Path.Combine(AppContext.BaseDirectory, "Linux.Iommu.Interop.Generator.dll")}" />
                  </ItemGroup>
                  <Import Project="{build}/Linux.Iommu.Interop.Generator.targets" />
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "IommuInterop.txt"), list);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), "internal static class Program { private static void Main() { } }\n");
            // No build server or node left behind by a test.
            return Processes.Run("dotnet", ["build", dir, "-nologo", "-v", "q", "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Everything_generated_builds_under_AnalysisMode_All_with_warnings_as_errors()
    {
        var result = Build("<AnalysisMode>All</AnalysisMode><IommuInteropPublic>true</IommuInteropPublic>", "*");
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void An_unknown_kernel_fails_the_build_naming_the_kernels_there_are()
    {
        var result = Build("<IommuInteropKernel>7.3</IommuInteropKernel>", "IOMMU_IOAS_ALLOC");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error IOMMUGEN012: IommuInteropKernel '7.3' names no kernel whose models this package has; " +
                        "set it to one of: iommufd-test-6.12, iommufd-test-7.3, linux-6.1, linux-6.12, linux-7.3 - did you mean 'linux-7.3'?", result.Output);
    }
}
