using System.Diagnostics;

namespace Iommu.Scanner.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>Runs a program to completion, capturing both streams.</summary>
internal static class Run
{
    public static ProcessResult Program(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The scanner CLI as users run it, through the built iommu-scan.dll next to the tests.</summary>
    public static ProcessResult Scanner(IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        Program("dotnet", [System.IO.Path.Combine(AppContext.BaseDirectory, "iommu-scan.dll"), .. arguments], environment);
}
