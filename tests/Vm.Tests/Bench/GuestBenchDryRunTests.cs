using BenchmarkDotNet.Running;
using Linux.Iommu.Bench.Harness;

namespace Vm.Tests.Bench;

/// <summary>The guest benchmark suites (bench/Linux.Iommu.Bench) run every case once against the real kernel, so
/// they cannot rot between bench runs: setup (IOAS, edu device, type1 container), each benchmark, cleanup.</summary>
[Trait("Boot", "main")] // bench/run.sh runs these suites in the x86 VT-d guest only
public sealed class GuestBenchDryRunTests
{
    public static TheoryData<string> Suites() => [.. SuiteSets.Guest.Concat(SuiteSets.Nested).Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Suites))]
    [Trait("Category", "Vm")]
    public void Guest_suite_runs_every_case_once_in_dry_mode(string name)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        if (SuiteSets.Nested.Any(t => t.Name == name)) GuestKernel.Require(KernelOffer.SelftestMock); // the nested suites run on the mock
        var suite = SuiteSets.Guest.Concat(SuiteSets.Nested).Single(t => t.Name == name);
        var ran = DryRunner.Run(suite);
        var expected = BenchmarkConverter.TypeToBenchmarks(suite).BenchmarksCases.Select(c => CaseKey.Of(c).Text).Order();
        Assert.Equal(expected, ran.Order());
    }
}
