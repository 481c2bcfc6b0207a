using System.Globalization;

namespace Vm.Tests.Nvme;

/// <summary>The NVMe benchmark suite (bench/nvme.sh) run for a moment per case through the benchmark program's dry mode,
/// so it cannot rot: every case moves I/O, the pool strategy (in every completion mode) spends no time in map/unmap and
/// the uncached ephemeral one does; the latency measurement that picks the hybrid poll time gives its three rows.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class NvmeBenchDryRunTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void Every_case_of_the_NVMe_suite_runs()
    {
        // key TAB IOPS TAB IOPS per CPU s TAB busy CPUs TAB process share TAB map/unmap share
        var results = BuiltProgram.ResultFile("Linux.Iommu.Bench", "csharp-nvme.tsv", "nvme", "--dry").Select(line => line.Split('\t'))
            .Select(f => (Key: f[0], Iops: double.Parse(f[1], CultureInfo.InvariantCulture), BusyCpus: double.Parse(f[3], CultureInfo.InvariantCulture),
                MapShare: double.Parse(f[5], CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(20, results.Count); // 3 strategies polled + the pool on interrupts and hybrid, x read/write x QD 1/32
        Assert.All(results, r => Assert.True(r.Iops > 0, $"{r.Key}: no I/O completed"));
        // the guest's CPU accounting is read around every round (/proc/stat ticks: a 20 ms round may see none)
        Assert.All(results, r => Assert.InRange(r.BusyCpus, 0, 2 * Environment.ProcessorCount));
        Assert.Contains(results, r => r.BusyCpus > 0);
        Assert.All(results.Where(r => r.Key.StartsWith("nvme/pool", StringComparison.Ordinal)), r => Assert.Equal(0, r.MapShare));
        Assert.Equal(4, results.Count(r => r.Key.StartsWith("nvme/pool-hybrid/", StringComparison.Ordinal)));
        Assert.All(results.Where(r => r.Key.StartsWith("nvme/ephemeral/", StringComparison.Ordinal)), r => Assert.True(r.MapShare > 0, $"{r.Key}: no time in map/unmap"));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_completion_latency_measurement_runs_polled_on_the_interrupt_and_hybrid()
    {
        // mode TAB count TAB p10 p50 p90 p99 max (us); a comment line with the derived poll time
        var lines = BuiltProgram.ResultFile("Linux.Iommu.Bench", "nvme-latency.tsv", "nvme-latency", "--dry");
        var rows = lines.Skip(1).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["polling", "interrupt"], rows.Take(2).Select(r => r[0]));
        Assert.StartsWith("hybrid-", rows[2][0]);
        Assert.All(rows, r => Assert.True(double.Parse(r[3], CultureInfo.InvariantCulture) > 0, $"{r[0]}: no median latency"));
        Assert.Contains(lines, l => l.StartsWith("# sleep cost", StringComparison.Ordinal));
    }
}
