using System.Text.RegularExpressions;

namespace Iommu.Scanner.Tests.Support;

/// <summary>Compiles a C probe with the real C compiler for an architecture against a header set's own
/// directories (nothing from the host's /usr/include), and on x86_64 also runs it (bitfield checks).</summary>
internal static partial class Gcc
{
    public sealed record Outcome(bool Compiled, IReadOnlyList<string> FailedChecks, string Log);

    public static string CompilerFor(string arch) => arch == "x86_64" ? "gcc" : "aarch64-linux-gnu-gcc";

    public static Outcome Check(string probe, string include, string arch)
    {
        var dir = Directory.CreateTempSubdirectory("iommu-probe-");
        try
        {
            var source = Path.Combine(dir.FullName, "probe.c");
            File.WriteAllText(source, probe);
            var triple = arch == "x86_64" ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
            string[] includes = ["-std=gnu11", "-nostdinc", "-isystem", Path.Combine(include, triple), "-isystem", include];
            var run = arch == "x86_64";
            var exe = Path.Combine(dir.FullName, "probe");
            var compile = Processes.Run(CompilerFor(arch),
                run ? [.. includes, "-DIOMMU_PROBE_RUN", "-o", exe, source] : [.. includes, "-fsyntax-only", source]);
            var failed = Failed().Matches(compile.Stderr).Select(m => m.Groups[1].Value).ToList();
            if (compile.ExitCode != 0 || !run)
            {
                return new Outcome(compile.ExitCode == 0, failed, compile.Output);
            }
            var execution = Processes.Run(exe, []);
            failed.AddRange(Printed().Matches(execution.Stdout).Select(m => m.Groups[1].Value));
            return new Outcome(true, failed, compile.Output + execution.Output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [GeneratedRegex("static assertion failed: \"iommu-probe: ([^\"]*)\"")]
    private static partial Regex Failed();

    [GeneratedRegex("iommu-probe: (.*)")]
    private static partial Regex Printed();
}
