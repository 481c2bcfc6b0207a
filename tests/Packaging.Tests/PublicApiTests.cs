using Iommu.Tests.Shared;

namespace Linux.Iommu.Packaging.Tests;

/// <summary>The public API of Linux.Iommu.Planner is kept on purpose: a public member whose PublicAPI.*.txt line does not
/// match fails the build. Shown by building the planner against copies of its files in which one shipped member's line
/// says another return type, as if the member had changed and the file had not.</summary>
[Trait("Category", "Packaging")]
public class PublicApiTests
{
    private static readonly string Planner = RepositoryRoot.Combine("runtime", "Linux.Iommu.Planner");

    [Fact]
    public void A_member_that_differs_from_its_PublicAPI_line_fails_the_build_with_RS0016_and_RS0017()
    {
        var shipped = File.ReadAllLines(Path.Combine(Planner, "PublicAPI.Shipped.txt"));
        var member = shipped.First(l => l.Contains('(') && l.Contains(" -> "));
        var changed = member[..member.LastIndexOf(" -> ", StringComparison.Ordinal)] + " -> int";
        var copies = Directory.CreateTempSubdirectory("iommu-public-api-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(copies, "PublicAPI.Shipped.txt"), shipped.Select(l => l == member ? changed : l));
            File.Copy(Path.Combine(Planner, "PublicAPI.Unshipped.txt"), Path.Combine(copies, "PublicAPI.Unshipped.txt"));

            // Only the planner is compiled (its references are built already): the runtime keeps its own files.
            var build = Processes.Run("dotnet", ["build", Path.Combine(Planner, "Linux.Iommu.Planner.csproj"), "-nologo", "-v", "q",
                "-nodeReuse:false", "-p:UseSharedCompilation=false", "-p:BuildProjectReferences=false", $"-p:PublicApiDirectory={copies}/"]);

            Assert.NotEqual(0, build.ExitCode);
            Assert.Contains($"error RS0016: Symbol '{member}' is not part of the declared public API", build.Output);
            Assert.Contains($"error RS0017: Symbol '{changed}' is part of the declared API, but is either not public or could not be found", build.Output);
            var otherErrors = build.Output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)
                && !l.Contains("error RS0016", StringComparison.Ordinal) && !l.Contains("error RS0017", StringComparison.Ordinal));
            Assert.Empty(otherErrors);
        }
        finally
        {
            Directory.Delete(copies, recursive: true);
        }
    }
}
