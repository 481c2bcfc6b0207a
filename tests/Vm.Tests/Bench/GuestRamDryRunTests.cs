using System.Globalization;
using Linux.Iommu;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Bench;

/// <summary>The guest-RAM curve (bench/guest-ram.sh) runs every backing × target × size once against the real kernel at
/// small sizes, through the benchmark program's dry mode, so it cannot rot between the long runs: each backing allocated
/// and populated, mapped with edu attached into an IOAS with huge pages on and off and into a type1 container, unmapped;
/// then the concurrency figure. The C twin is not loaded here (no BENCH_C_DIR): the C# side alone is timed.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class GuestRamDryRunTests
{
    private const long Max = 4 << 20, Half = 1 << 20;

    /// <summary>The curve's backings and targets as bench/README.md describes them.</summary>
    private static readonly MemoryBacking[] Backings =
        [MemoryBacking.Anonymous, MemoryBacking.TransparentHugePages, MemoryBacking.Memfd, MemoryBacking.HugeTlb2M, MemoryBacking.MemfdHugeTlb2M];

    private static readonly string[] Targets = ["Backend=Ioas/HugePages=True", "Backend=Ioas/HugePages=False", "Backend=Type1/HugePages=True"];

    private static string Key(MemoryBacking backing, string target, long size, string measure) => $"GuestRam/Backing={backing}/{target}/Size={size}/{measure}";

    [Fact]
    public void The_guest_RAM_curve_runs_every_backing_target_and_size_once_in_dry_mode()
    {
        // memfds go into an IOAS by file: a kernel without IOMMU_IOAS_MAP_FILE (6.12) cannot run the curve
        GuestKernel.Require(KernelOffer.MapFile);
        var values = BuiltProgram.ResultFile("Linux.Iommu.Bench", "ram-curve.tsv", "guestram", "--dry", "--max", $"{Max}", "--half", $"{Half}").Select(line => line.Split('\t'))
            .ToDictionary(fields => fields[0], fields => double.Parse(fields[1], CultureInfo.InvariantCulture));
        Assert.All(values, pair => Assert.True(pair.Key.EndsWith("-share", StringComparison.Ordinal) ? pair.Value is >= 0 and <= 1 : pair.Value > 0,
            $"{pair.Key}: {pair.Value} is not a positive time or a share"));
        // a 2 MiB hugetlb page is one physically contiguous, aligned 2 MiB frame: the pagemap reading must say so
        Assert.Equal(1.0, values[Key(MemoryBacking.HugeTlb2M, Targets[0], Max, "contiguous-2MiB-share")]);
        Assert.True(values[Key(MemoryBacking.HugeTlb2M, Targets[0], Max, "contiguous-run-mean-bytes")] >= 2 << 20);
        var expected = (
            from backing in Backings
            from size in Sizes().Where(size => size >= MemoryBackings.PageSize(backing))
            from target in Targets
            from measure in new[] { "populate-ns", "cs-map-ns", "cs-unmap-ns", "contiguous-run-mean-bytes" }
                .Concat(size >= 2 << 20 ? ["contiguous-2MiB-share"] : [])
            select Key(backing, target, size, measure)).ToList();
        var ioasCounts = QemuEduDevice.Devices.Count >= 2 ? new[] { 1, 2 } : [1];
        expected.AddRange(
            from what in ioasCounts.Select(count => $"Ioases={count}").Prepend("Control=user-space-writes")
            from measure in new[] { "one-thread-ns", "two-threads-ns", "scaling" }
            select $"GuestRamConcurrency/{what}/Size={Half}/{measure}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>4 KiB, 16 KiB, … up to <see cref="Max"/>: powers of 4.</summary>
    private static IEnumerable<long> Sizes()
    {
        for (var size = 4096L; size <= Max; size *= 4) yield return size;
    }
}
