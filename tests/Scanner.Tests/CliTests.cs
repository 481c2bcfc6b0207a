using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>The scanner as a command: exit codes and messages users and scripts rely on.</summary>
public class CliTests
{
    [Fact]
    public void Scan_writes_a_model_and_exits_0()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory().FullName, "m.json");
        var result = Run.Scanner(["scan", "--include", HeaderSets.Include("linux-7.3"), "--arch", "aarch64", "--set", "linux-7.3",
            "--package", "linux-libc-dev", "--version", "7.3.4-1~bpo13+1", "--out", output]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(File.ReadAllText(Repo.ModelPath("linux-7.3", "aarch64")), File.ReadAllText(output));
        Assert.Contains("94 records", result.Stderr);
    }

    [Fact]
    public void A_scan_error_exits_1_with_file_line_and_id()
    {
        using var headers = new SyntheticHeaders("struct s {\n\tint a;\n\tdouble d;\n};\n");
        var result = Run.Scanner(["scan", "--include", headers.Root, "--arch", "x86_64", "--set", "s", "--package", "p", "--version", "1",
            "--header", SyntheticHeaders.Header]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{SyntheticHeaders.Header}:3: error SCAN012:", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Missing_libclang_names_the_package_to_install()
    {
        var result = Run.Scanner(["scan", "--include", HeaderSets.Include("linux-7.3"), "--arch", "x86_64", "--set", "s", "--package", "p", "--version", "1"],
            new Dictionary<string, string> { ["IOMMU_SCAN_LIBCLANG"] = "/nonexistent/libclang.so" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error SCAN001", result.Stderr);
        Assert.Contains("apt-get install libclang1-14", result.Stderr);
    }

    [Fact]
    public void Diff_exits_3_on_an_ABI_break_and_0_otherwise()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var old = Repo.ModelPath("linux-7.3", "x86_64");
        var broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, File.ReadAllText(old).Replace("\"VFIO_API_VERSION\",\n      \"kind\": \"integer\",\n      \"ctype\": \"int\",\n      \"size\": 4,\n      \"value\": 0",
            "\"VFIO_API_VERSION\",\n      \"kind\": \"integer\",\n      \"ctype\": \"int\",\n      \"size\": 4,\n      \"value\": 7"));
        Assert.NotEqual(File.ReadAllText(old), File.ReadAllText(broken));

        var same = Run.Scanner(["diff", old, old]);
        var changed = Run.Scanner(["diff", old, broken, "--json"]);

        Assert.Equal(0, same.ExitCode);
        Assert.Equal(3, changed.ExitCode);
        Assert.Contains("\"hasBreak\": true", changed.Stdout);
        Assert.Contains("value 0 -> 7", changed.Stdout);
    }

    [Fact]
    public void A_malformed_model_is_named_with_the_problem()
    {
        var bad = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bad.json");
        File.WriteAllText(bad, "{\"schema\": 1, \"scanner\": \"x\"}");

        var result = Run.Scanner(["diff", bad, bad]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error SCAN030: {bad}: not a valid ABI model", result.Stderr);
        Assert.Contains("headerSet", result.Stderr);
    }

    [Fact]
    public void Unknown_command_prints_usage_and_exits_2()
    {
        var result = Run.Scanner(["frobnicate"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", result.Stderr);
        Assert.Contains("usage:", result.Stderr);
    }

    [Theory]
    [InlineData("diff")]
    [InlineData("diff --json")]
    [InlineData("probe a.json b.json")]
    [InlineData("scan --include")]
    [InlineData("scan --include . --bogus x")]
    public void A_wrong_command_line_prints_that_commands_usage_and_exits_2(string command)
    {
        var result = Run.Scanner(command.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("iommu-scan: ", result.Stderr);
        Assert.Contains($"usage:\n  iommu-scan {command.Split(' ')[0]} ", result.Stderr.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Theory]
    [InlineData("diff", "{0}", "{1}")]
    [InlineData("diff", "{1}", "{0}")]
    [InlineData("probe", "{0}")]
    public void A_missing_model_file_is_named_and_exits_2(string command, params string[] files)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-model-{Environment.ProcessId}.json");
        var result = Run.Scanner([command, .. files.Select(f => string.Format(f, missing, Repo.ModelPath("linux-7.3", "x86_64")))]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"iommu-scan: {missing}: no such file", result.Stderr.Trim());
    }

    [Fact]
    public void An_output_that_cannot_be_written_is_named_and_exits_2()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        var result = Run.Scanner(["probe", Repo.ModelPath("linux-7.3", "x86_64"), "--out", folder]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"iommu-scan: {folder}: cannot write: a directory, not a file", result.Stderr.Trim());
    }
}
