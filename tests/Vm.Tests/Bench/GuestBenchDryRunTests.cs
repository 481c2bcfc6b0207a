namespace Vm.Tests.Bench;

/// <summary>The guest benchmark suites (bench/Linux.Iommu.Bench) run every case once against the real kernel through the
/// benchmark program's dry mode, so they cannot rot between bench runs: setup (IOAS, edu device, type1 container), each
/// benchmark, cleanup; the first failure ends the program naming the case. Each kernel runs the set bench/run.sh
/// measures there (the vm set where the kernel has iommufd, which holds the type1 suites too; the type1 set where it
/// has only the container), and bench/nested-bench.sh's nested set on the selftest mock. They run in the guests the
/// benchmarks measure in (tests/vm/tier.sh's "bench" boot list): ours, and Debian's own 7.3. That the dry mode runs
/// exactly BenchmarkDotNet's cases is checked on the host (tests/Bench.Tests).</summary>
[Trait("Boot", "bench")]
public sealed class GuestBenchDryRunTests
{
    /// <summary>The suites of the type1 set: the vm set holds them too, beside the IOAS suites.</summary>
    private static readonly string[] Type1Suites = ["Type1", "Type1Batch", "DirtyBitmap"];

    [Fact]
    [Trait("Category", "Vm")]
    public void The_set_bench_run_sh_measures_on_this_kernel_runs_every_case_once_in_dry_mode()
    {
        var iommufd = GuestKernel.Probe(KernelOffer.Iommufd).Present;
        var suites = DryRun(iommufd ? "vm" : "type1");

        if (iommufd)
        {
            Assert.Contains("dry: IoasMap: 6 cases ran once", suites);
            // type1 map + unmap at 3 sizes beside the IOAS; BatchMapper's 5 loops at 3 N; the dirty bitmap of 1 … 16 GiB
            Assert.Equal(["dry: Type1: 6 cases ran once", "dry: Type1Batch: 15 cases ran once", "dry: DirtyBitmap: 5 cases ran once"],
                suites.Where(line => Type1Suites.Any(suite => line.StartsWith($"dry: {suite}: ", StringComparison.Ordinal))));
        }
        else
        {
            Assert.Equal(["dry: Type1: 3 cases ran once", "dry: Type1Batch: 15 cases ran once", "dry: DirtyBitmap: 5 cases ran once"], suites);
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_nested_set_runs_every_case_once_in_dry_mode_on_the_selftest_mock()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        Assert.NotEmpty(DryRun("nested"));
    }

    /// <summary>Runs the set's dry mode, asserts it exited 0, and returns its suite lines ("dry: IoasMap: 6 cases ran
    /// once"), none of them with 0 cases.</summary>
    private static List<string> DryRun(string set)
    {
        var result = BuiltProgram.Run("Linux.Iommu.Bench", set, "--dry");
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"Linux.Iommu.Bench {set} --dry exited {result.ExitCode}:\n{result.Output}");
        var suites = result.Stdout.Split('\n').Where(line => line.StartsWith("dry: ", StringComparison.Ordinal) && line.EndsWith(" cases ran once", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(suites);
        Assert.All(suites, line => Assert.DoesNotContain(": 0 cases", line, StringComparison.Ordinal));
        return suites;
    }
}
