using System.Text.RegularExpressions;
using Iommu.Tests.Shared;
using Linux.Iommu.Packaging.Tests;

[assembly: AssemblyFixture(typeof(LocalFeed))]

namespace Linux.Iommu.Packaging.Tests;

/// <summary>The packages as README "Install" has a user get them: built by <c>pack.sh</c> into artifacts/packages, a
/// workspace outside the repository whose nuget.config adds that folder as a source (beside the user's own sources),
/// and a NuGet cache of its own, so nothing restored earlier (an older build of the same version) is ever used.</summary>
public sealed partial class LocalFeed : IDisposable
{
    private readonly Lazy<string> _tool;

    public LocalFeed()
    {
        _tool = new Lazy<string>(InstallTool);
        var pack = Processes.Run("bash", [RepositoryRoot.Combine("pack.sh")]);
        if (pack.ExitCode != 0) throw new InvalidOperationException($"pack.sh failed ({pack.ExitCode}):\n{pack.Output}");
        Workspace = Directory.CreateTempSubdirectory("iommu-packages-").FullName;
        File.WriteAllText(Path.Combine(Workspace, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="iommu-interop" value="{FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>artifacts/packages.</summary>
    public string FeedDirectory { get; } = RepositoryRoot.Combine("artifacts", "packages");

    /// <summary>The version every package has (Directory.Build.props).</summary>
    public string Version { get; } = VersionProperty().Match(File.ReadAllText(RepositoryRoot.Combine("Directory.Build.props"))).Groups[1].Value;

    /// <summary>A temporary folder with the nuget.config; the fresh projects go below it.</summary>
    public string Workspace { get; }

    /// <summary>The <c>iommu</c> tool, installed on first use as README says: <c>dotnet tool install --tool-path DIR
    /// --add-source artifacts/packages iommu --version V</c>.</summary>
    public string InstalledTool => _tool.Value;

    /// <summary>Runs <c>dotnet</c> in <paramref name="directory"/> with the workspace's own NuGet cache; no build server
    /// or MSBuild node outlives the command.</summary>
    internal ProcessResult Dotnet(string directory, params string[] arguments) =>
        Processes.Run("dotnet", arguments, Environment, directory);

    /// <summary>Runs a program built or installed in the workspace.</summary>
    internal ProcessResult Run(string file, params string[] arguments) => Processes.Run(file, arguments, Environment, Workspace);

    private Dictionary<string, string> Environment => new()
    {
        ["NUGET_PACKAGES"] = Path.Combine(Workspace, "nuget-cache"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
    };

    private string InstallTool()
    {
        var tools = Path.Combine(Workspace, "tools");
        var install = Dotnet(Workspace, "tool", "install", "--tool-path", tools, "--add-source", FeedDirectory, "iommu", "--version", Version);
        if (install.ExitCode != 0) throw new InvalidOperationException($"dotnet tool install failed ({install.ExitCode}):\n{install.Output}");
        return Path.Combine(tools, "iommu");
    }

    public void Dispose() => Directory.Delete(Workspace, recursive: true);

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionProperty();
}
