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
}
