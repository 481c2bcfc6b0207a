using BenchmarkDotNet.Running;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Tests;

/// <summary>The benchmarks build, BenchmarkDotNet accepts every suite, the dry mode covers exactly its cases, and the host
/// suites run one iteration each (the guest suites' dry run is in tests/Vm.Tests/Bench).</summary>
public class DryRunTests
{
    public static TheoryData<string> AllSuites() => [.. SuiteSets.All.Select(t => t.Name)];

    public static TheoryData<string> HostSuites() => [.. SuiteSets.Host.Select(t => t.Name)];

    private static Type Suite(string name) => SuiteSets.All.Single(t => t.Name == name);

    private static IEnumerable<string> BenchmarkDotNetCases(Type suite) => BenchmarkConverter.TypeToBenchmarks(suite).BenchmarksCases.Select(c => CaseKey.Of(c).Text);

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
    [MemberData(nameof(AllSuites))]
    public void The_dry_mode_covers_exactly_the_cases_BenchmarkDotNet_runs(string name)
    {
        var suite = Suite(name);
        Assert.Equal(BenchmarkDotNetCases(suite).Order(), DryRunner.Keys(suite).Order());
    }

    [Theory]
    [MemberData(nameof(HostSuites))]
    public void Host_suite_runs_every_case_once_in_dry_mode(string name)
    {
        var suite = Suite(name);
        Assert.Equal(BenchmarkDotNetCases(suite).Order(), DryRunner.Run(suite).Order());
    }
}
