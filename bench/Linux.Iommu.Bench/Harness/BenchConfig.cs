using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The BenchmarkDotNet configuration of both sets. In-process emit everywhere: the guest cannot build a
/// project per benchmark (read-only root, TCG), and on the host it keeps C# and C side by side in one session.</summary>
public static class BenchConfig
{
    public static IConfig Create(string artifacts, bool guest)
    {
        // TCG makes every guest op 10-100x slower: a short job (3 warmups, 3 iterations of 250 ms) keeps the
        // guest run in minutes; the host stub needs more iterations to resolve a 5% difference.
        var job = guest
            ? Job.ShortRun.WithIterationTime(TimeInterval.FromMilliseconds(250)).WithId("GuestShort")
            : Job.Default.WithWarmupCount(5).WithIterationCount(15).WithId("Host");
        return ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true)))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.JoinSummary);
    }
}
