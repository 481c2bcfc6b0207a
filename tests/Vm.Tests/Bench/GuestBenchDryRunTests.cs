namespace Vm.Tests.Bench;

/// <summary>The guest benchmark suites (bench/Linux.Iommu.Bench; bench/run.sh runs the vm set, with --kernel debian-7.3
/// the type1 set, bench/nested-bench.sh the nested one) run every case once against the real kernel through the
/// benchmark program's dry mode, so they cannot rot between bench runs: setup (IOAS, edu device, type1 container), each
/// benchmark, cleanup; the first failure ends the program naming the case. The type1 set needs no iommufd: it runs in
/// every main boot, Debian's own kernels included (main-debian-7.3 is where bench/run.sh --kernel debian-7.3 measures
/// it). That the dry mode runs exactly BenchmarkDotNet's cases is checked on the host (tests/Bench.Tests).</summary>
[Trait("Boot", "main")] // bench/run.sh runs these suites in the x86 VT-d guest only
public sealed class GuestBenchDryRunTests
{
    [Theory]
    [InlineData("vm")]
    [InlineData("type1")]
    [InlineData("nested")]
    [Trait("Category", "Vm")]
    public void Guest_suite_set_runs_every_case_once_in_dry_mode(string set)
    {
        if (set != "type1") GuestKernel.Require(KernelOffer.Iommufd);
        if (set == "nested") GuestKernel.Require(KernelOffer.SelftestMock); // the nested suites run on the mock
        var result = BuiltProgram.Run("Linux.Iommu.Bench", set, "--dry");
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"Linux.Iommu.Bench {set} --dry exited {result.ExitCode}:\n{result.Output}");
        // one line per suite: "dry: IoasMap: 6 cases ran once"
        var suites = result.Stdout.Split('\n').Where(line => line.StartsWith("dry: ", StringComparison.Ordinal) && line.EndsWith(" cases ran once", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(suites);
        Assert.All(suites, line => Assert.DoesNotContain(": 0 cases", line, StringComparison.Ordinal));
        if (set == "type1")
        {
            // type1 map + unmap at 3 sizes, beside the IOAS where the kernel has iommufd; BatchMapper's 5 loops at 3 N; the
            // dirty bitmap of 1, 2, 4, 8 and 16 GiB
            var backends = GuestKernel.Probe(KernelOffer.Iommufd).Present ? 2 : 1;
            Assert.Equal([$"dry: Type1: {3 * backends} cases ran once", "dry: Type1Batch: 15 cases ran once", "dry: DirtyBitmap: 5 cases ran once"], suites);
        }
    }
}
