using Iommu.Tests.Shared;

namespace Linux.Iommu.Packaging.Tests;

/// <summary>Fresh projects made the way README "Install" says, consuming the packed packages from the local feed.</summary>
[Trait("Category", "Packaging")]
public class ConsumerTests(LocalFeed feed)
{
    private static readonly string VtdShadowSpec = RepositoryRoot.Combine("examples", "specs", "vtd-shadow-4k.json");
    private static readonly string VtdRefusedSpec = RepositoryRoot.Combine("examples", "specs", "vtd-refused-57bit.json");

    /// <summary>QEMU's emulated VT-d (legacy mode) with two edu devices, recorded in the x86 test guest.</summary>
    private static readonly string RecordedVtdHost = RepositoryRoot.Combine("tests", "data", "hosts", "qemu-vtd-legacy.json");

    [Fact]
    public void The_generator_package_alone_generates_a_wildcard_list_for_x86_64_and_aarch64()
    {
        var app = NewConsoleApp("bindings-app", "BindingsApp", "Linux.Iommu.Interop.Generator");

        Succeeds(feed.Dotnet(app, "build", "-c", "Release", "-p:EmitCompilerGeneratedFiles=true"));
        Assert.Contains("for x86_64", GeneratedConstants(app));
        var run = feed.Dotnet(app, "run", "-c", "Release", "--no-build");
        Succeeds(run);
        Assert.Contains("IOMMU_IOAS_ALLOC = 0x3b81, struct iommu_ioas_alloc is 12 bytes, VFIO_API_VERSION = 0", run.Stdout);
        Assert.Contains("TryIOMMU_IOAS_ALLOC(-1) = -9", run.Stdout);
        Assert.Contains("IOMMU_IOAS_ALLOC failed: EBADF (9)", run.Stdout);
        // README says the package turns this on in the consumer's project (the generated structs are unsafe)
        Assert.Equal("true", Succeeds(feed.Dotnet(app, "msbuild", "-getProperty:AllowUnsafeBlocks")).Stdout.Trim());

        Succeeds(feed.Dotnet(app, "build", "-c", "Release", "-r", "linux-arm64", "--no-self-contained", "-p:UseAppHost=false",
            "-p:EmitCompilerGeneratedFiles=true"));
        Assert.Contains("for aarch64", GeneratedConstants(app, "-p:RuntimeIdentifier=linux-arm64"));
    }

    [Fact]
    public void The_runtime_and_planner_packages_plan_a_recorded_host_without_the_generator_or_dev_iommu()
    {
        var app = NewConsoleApp("planner-app", "PlannerApp", "Linux.Iommu", "Linux.Iommu.Planner");
        Succeeds(feed.Dotnet(app, "build", "-c", "Release"));

        var shadow = feed.Dotnet(app, "run", "-c", "Release", "--no-build", "--", VtdShadowSpec, RecordedVtdHost);
        Succeeds(shadow);
        Assert.Contains("host IOMMU: IntelVtd (HwInfoType), capabilities ", shadow.Stdout);
        Assert.Contains("decision: Shadow", shadow.Stdout);

        var refused = feed.Dotnet(app, "run", "-c", "Release", "--no-build", "--", VtdRefusedSpec, RecordedVtdHost);
        Assert.True(refused.ExitCode == 3, refused.Output);
        Assert.Contains("decision: Refused", refused.Stdout);

        // The runtime carries its bindings: the generator is not restored, and no test support is shipped.
        var assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.DoesNotContain("Linux.Iommu.Interop.Generator", assets);
        Assert.DoesNotContain("Linux.Iommu.Testing", assets);
        var output = Path.Combine(app, ReleaseProperty(app, "OutDir"));
        Assert.True(File.Exists(Path.Combine(output, "planner-app.dll")), $"the app's build output is not in {output}");
        Assert.False(File.Exists(Path.Combine(output, "Linux.Iommu.Testing.dll")));
    }

    [Fact]
    public void The_tool_installs_into_a_tool_path_and_answers_help_and_a_missing_spec()
    {
        var help = Succeeds(feed.Run(feed.InstalledTool, "--help"));
        foreach (var command in new[] { "probe", "plan", "examples", "nvme" }) Assert.Contains(command, help.Stdout);

        var missing = feed.Run(feed.InstalledTool, "plan", "--spec", "/nonexistent/spec.json", "--host", RecordedVtdHost);
        Assert.True(missing.ExitCode == 2, missing.Output);
        Assert.StartsWith("iommu: --spec /nonexistent/spec.json: no such file", missing.Stderr);
    }

    /// <summary>The tool's package page (its README): the install line, with the feed's folder put in and --global swapped
    /// for a tool path, and then its commands that plan the examples shipped inside the package: no clone needed.</summary>
    [Fact]
    public void The_tool_README_installs_from_the_local_feed_and_plans_the_examples_it_ships()
    {
        var readme = File.ReadAllLines(RepositoryRoot.Combine("runtime", "Linux.Iommu.Cli", "README.md"));
        var tools = Path.Combine(feed.Workspace, "readme-tools");
        var install = Assert.Single(readme, line => line.StartsWith("dotnet tool install", StringComparison.Ordinal))
            .Replace("/path/to/iommu-interop/artifacts/packages", feed.FeedDirectory).Replace("--global", $"--tool-path {tools}");
        Succeeds(feed.Dotnet(feed.Workspace, ["tool", .. install.Split(' ').Skip(2)]));

        var plans = readme.Where(line => line.StartsWith("iommu plan --spec \"$(iommu examples", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(plans);
        foreach (var plan in plans)
        {
            var run = feed.Run("bash", "-c", $"PATH={tools}:$PATH; {plan}");
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("Decision: SHADOW ", run.Stdout);
        }
    }

    /// <summary>Every example spec and recorded host the tool ships (<c>iommu examples --dir</c>), planned by the installed
    /// tool: the decisions the VM tier's RecordedHostTests get live and from the same records (SMMUv3 plans Nested from a
    /// record, which does not try the kernel's nested allocation).</summary>
    [Theory]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-legacy.json", 0, "SHADOW")]
    [InlineData("vtd-refused-57bit.json", "qemu-vtd-legacy.json", 3, "REFUSED")]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-scalable-flts.json", 0, "SHADOW")]
    [InlineData("smmuv3-qemu-virt.json", "qemu-smmuv3.json", 0, "NESTED")]
    public void The_installed_tool_plans_each_recorded_host_it_ships(string spec, string host, int exitCode, string decision)
    {
        var examples = Succeeds(feed.Run(feed.InstalledTool, "examples", "--dir")).Stdout.Trim();
        var plan = feed.Run(feed.InstalledTool, "plan", "--spec", Path.Combine(examples, "specs", spec), "--host", Path.Combine(examples, "hosts", host));

        Assert.True(plan.ExitCode == exitCode, plan.Output);
        Assert.Contains($"Decision: {decision} ", plan.Stdout);
    }

    /// <summary>Every example spec and recorded host but the selftest mock's, whose model is test support (the demo's).</summary>
    [Fact]
    public void The_tool_ships_every_example_spec_and_recorded_host_but_the_mocks()
    {
        var examples = Succeeds(feed.Run(feed.InstalledTool, "examples", "--dir")).Stdout.Trim();
        foreach (var (repository, shipped, mock) in new[] { (RepositoryRoot.Combine("examples", "specs"), "specs", "mock-nested.json"), (RepositoryRoot.Combine("tests", "data", "hosts"), "hosts", "selftest-mock.json") })
        {
            Assert.Equal(Directory.GetFiles(repository, "*.json").Select(Path.GetFileName).Where(f => f != mock).Order(),
                Directory.GetFiles(Path.Combine(examples, shipped), "*.json").Select(Path.GetFileName).Order());
        }
    }

    /// <summary><c>dotnet new console</c>, then <c>dotnet add package</c> of each package at the packed version, then the
    /// sources of Consumers/<paramref name="sources"/> (Program.cs, IommuInterop.txt) copied in.</summary>
    private string NewConsoleApp(string name, string sources, params string[] packages)
    {
        var app = Path.Combine(feed.Workspace, name);
        Succeeds(feed.Dotnet(feed.Workspace, "new", "console", "-o", app));
        foreach (var package in packages) Succeeds(feed.Dotnet(app, "add", "package", package, "--version", feed.Version));
        foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("tests", "Packaging.Tests", "Consumers", sources)))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)), overwrite: true);
        }
        return app;
    }

    /// <summary>The generated Constants source of a Release build (EmitCompilerGeneratedFiles), in the intermediate folder
    /// MSBuild computes for it: its summary names the model's architecture, so it shows which model the generator took.</summary>
    private string GeneratedConstants(string app, params string[] properties) =>
        File.ReadAllText(Directory.GetFiles(Path.Combine(app, ReleaseProperty(app, "IntermediateOutputPath", properties), "generated"), "Constants*.g.cs", SearchOption.AllDirectories).Single());

    /// <summary>A property of the app's Release build as MSBuild evaluates it (an output folder: no test types the layout).</summary>
    private string ReleaseProperty(string app, string name, params string[] properties) =>
        Succeeds(feed.Dotnet(app, ["msbuild", $"-getProperty:{name}", "-p:Configuration=Release", .. properties])).Stdout.Trim();

    private static ProcessResult Succeeds(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.Output);
        return result;
    }
}
