using System.Globalization;
using Linux.Iommu.Bench.Report;

namespace Linux.Iommu.Bench.Tests;

/// <summary>The report turns result files into target verdicts and a plot; a figure that was not measured says n/a.</summary>
public class ReportTests
{
    [Fact]
    public void Ratios_to_C_are_checked_against_their_targets_and_the_plot_is_written()
    {
        var dir = Directory.CreateTempSubdirectory("bench-report").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "c-host.tsv"), ["Stub/GeneratedStub\t200", "IoasMap/MapUnmap/Device=True/Size=4096\t1000"]);
            File.WriteAllLines(Path.Combine(dir, "csharp-host.tsv"), ["Stub/GeneratedStub\t206\t0", "IoasMap/MapUnmap/Device=True/Size=4096\t1200\t0"]);
            File.WriteAllLines(Path.Combine(dir, "probes-vm.tsv"), ["Shadow/ApplyUpdates/Runs=64/map-ioctls-per-run\t1", "Stub/GeneratedStub/interleaved-ratio\t1.03"]);

            Assert.Equal(0, ResultsReport.Write(dir));

            var summary = File.ReadAllLines(Path.Combine(dir, "summary.md"));
            Assert.Contains(summary, l => l.StartsWith("| separately", StringComparison.Ordinal) && l.Contains("| 1.03× | — | 0 B (n/a B) | met |", StringComparison.Ordinal)); // 206 / 200
            Assert.Contains(summary, l => l.StartsWith("| interleaved", StringComparison.Ordinal) && l.Contains("| 1.03× | met |", StringComparison.Ordinal));
            Assert.Contains(summary, l => l.StartsWith("| 4 KiB | edu attached", StringComparison.Ordinal) && l.Contains("| 1.20× (n/a) | **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(summary, l => l.StartsWith("| 64 | ", StringComparison.Ordinal) && l.Contains("| 1 | met |", StringComparison.Ordinal));
            Assert.Contains(summary, l => l.StartsWith("| 1 GiB | none", StringComparison.Ordinal) && l.Contains("n/a", StringComparison.Ordinal));
            Assert.True(new FileInfo(Path.Combine(dir, "map-throughput.png")).Length > 0);
            Assert.Contains(File.ReadLines(Path.Combine(dir, "map-throughput.csv")), l => l.StartsWith(string.Create(CultureInfo.InvariantCulture, $"4096,edu,C,1000.000,"), StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_guest_only_folder_says_the_host_suites_did_not_run_instead_of_reporting_them_as_na()
    {
        // bench/run.sh --arch aarch64 writes only the guest's files (bench/results/aarch64): the host is x86_64.
        var dir = Directory.CreateTempSubdirectory("bench-report-aarch64").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "c-vm.tsv"), ["IoasMap/MapUnmap/Device=True/Size=4096	1000"]);
            File.WriteAllLines(Path.Combine(dir, "csharp-vm.tsv"), ["IoasMap/MapUnmap/Device=True/Size=4096	1040	0"]);

            Assert.Equal(0, ResultsReport.Write(dir));

            var summary = File.ReadAllText(Path.Combine(dir, "summary.md"));
            Assert.Contains("### Host suites (generated stub overhead, source generator)", summary, StringComparison.Ordinal);
            Assert.DoesNotContain("Generated stub overhead (host", summary, StringComparison.Ordinal);
            Assert.DoesNotContain("### Source generator", summary, StringComparison.Ordinal);
            Assert.Contains("| 4 KiB | edu attached | 1.04 µs | 1.00 µs | 1.04× (n/a) | met |", summary, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_type1_folder_judges_type1_and_its_batches_against_their_targets_and_shows_nothing_of_iommufd()
    {
        // bench/run.sh --kernel debian-7.3 (bench/results/debian-7.3): Debian's kernel has no iommufd, the type1 set runs
        var dir = Directory.CreateTempSubdirectory("bench-report-type1").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "c-vm.tsv"), ["Type1/MapUnmap/Backend=Type1/Size=1073741824\t1000000", "Type1Batch/SingleIoctl/N=4096\t1000"]);
            File.WriteAllLines(Path.Combine(dir, "csharp-type1.tsv"),
                ["Type1/MapUnmap/Backend=Type1/Size=1073741824\t1100000\t0", "Type1Batch/Batched/N=4096\t1150\t0", "Type1Batch/SingleIoctl/N=4096\t1000\t0"]);
            File.WriteAllLines(Path.Combine(dir, "probes-type1.tsv"),
                ["Type1/MapUnmap/Backend=Type1/Size=1073741824/interleaved-ratio\t1.04", "Type1Batch/Batched/N=4096/vs-single/interleaved-ratio\t1.25"]);

            Assert.Equal(0, ResultsReport.Write(dir));

            var summary = File.ReadAllLines(Path.Combine(dir, "summary.md"));
            Assert.Contains("### Legacy VFIO type1 MAP_DMA, map + unmap (guest, edu in the container)", summary);
            Assert.Contains("| 1 GiB | 1.10 ms | 1.00 ms | 1.10× (1.04×) | met | 0 B (n/a B) | met |", summary);
            Assert.Contains(summary, l => l.StartsWith("### Mapping N 4 KiB pages", StringComparison.Ordinal) && l.Contains("a VFIO type1 container", StringComparison.Ordinal));
            Assert.Contains(summary, l => l.StartsWith("| 4096 | contiguous", StringComparison.Ordinal) && l.Contains("| 1.15× (1.25×) | **MISSED** |", StringComparison.Ordinal));
            Assert.DoesNotContain(summary, l => l.Contains("IOAS", StringComparison.Ordinal) || l.Contains("iommufd", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
