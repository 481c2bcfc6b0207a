using System.Globalization;

namespace Vm.Tests.Nvme;

/// <summary>The NVMe benchmark suite (bench/nvme.sh) run for a moment per case through the benchmark program's dry mode,
/// so it cannot rot: every case moves I/O, the pool strategy spends no time in map/unmap and the uncached ephemeral one
/// does.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class NvmeBenchDryRunTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void Every_case_of_the_NVMe_suite_runs()
    {
        // key TAB IOPS TAB map/unmap share
        var results = BuiltProgram.ResultFile("Linux.Iommu.Bench", "csharp-nvme.tsv", "nvme", "--dry").Select(line => line.Split('\t'))
            .Select(f => (Key: f[0], Iops: double.Parse(f[1], CultureInfo.InvariantCulture), MapShare: double.Parse(f[2], CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(12, results.Count); // 3 strategies x read/write x QD 1/32
        Assert.All(results, r => Assert.True(r.Iops > 0, $"{r.Key}: no I/O completed"));
        Assert.All(results.Where(r => r.Key.StartsWith("nvme/pool/", StringComparison.Ordinal)), r => Assert.Equal(0, r.MapShare));
        Assert.All(results.Where(r => r.Key.StartsWith("nvme/ephemeral/", StringComparison.Ordinal)), r => Assert.True(r.MapShare > 0, $"{r.Key}: no time in map/unmap"));
    }
}
