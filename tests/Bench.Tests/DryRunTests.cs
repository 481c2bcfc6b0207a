using BenchmarkDotNet.Running;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Tests;

/// <summary>The benchmarks build, BenchmarkDotNet accepts every suite, and the host suites run one iteration each.</summary>
public class DryRunTests
{
    public static TheoryData<string> AllSuites() => [.. SuiteSets.Host.Concat(SuiteSets.Guest).Select(t => t.Name)];

    public static TheoryData<string> HostSuites() => [.. SuiteSets.Host.Select(t => t.Name)];

    private static Type Suite(string name) => SuiteSets.Host.Concat(SuiteSets.Guest).Single(t => t.Name == name);

    [Theory]
    [MemberData(nameof(AllSuites))]
    public void BenchmarkDotNet_reads_the_suite_and_every_case_has_a_distinct_key(string name)
    {
        var info = BenchmarkConverter.TypeToBenchmarks(Suite(name), BenchConfig.Create(Path.GetTempPath(), guest: false));
        Assert.NotEmpty(info.BenchmarksCases);
        var keys = info.BenchmarksCases.Select(c => CaseKey.Of(c).Text).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(HostSuites))]
    public void Host_suite_runs_every_case_once_in_dry_mode(string name)
    {
        var suite = Suite(name);
        var ran = DryRunner.Run(suite);
        var expected = BenchmarkConverter.TypeToBenchmarks(suite).BenchmarksCases.Select(c => CaseKey.Of(c).Text).Order();
        Assert.Equal(expected, ran.Order());
    }
}
