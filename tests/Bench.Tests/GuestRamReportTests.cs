using Linux.Iommu.Bench.GuestRam;

namespace Linux.Iommu.Bench.Tests;

/// <summary>The guest-RAM report judges the guest-RAM targets from ram-curve.tsv alone and draws a plot per backing.</summary>
public class GuestRamReportTests
{
    private static string Line(string backing, long size, string measure, double value, string backend = "Ioas") =>
        $"GuestRam/Backing={backing}/Backend={backend}/HugePages=True/Size={size}/{measure}\t{value}";

    [Fact]
    public void Speed_ups_against_4_KiB_the_worst_CSharp_to_C_ratio_and_the_flatness_per_GiB_are_judged()
    {
        var dir = Directory.CreateTempSubdirectory("ram-curve-report").FullName;
        try
        {
            const long M64 = 64L << 20, G1 = 1L << 30;
            File.WriteAllLines(Path.Combine(dir, "ram-curve.tsv"),
            [
                // 4 KiB anonymous: 110 ms/GiB at both sizes (flat), populate 5.3 s/GiB
                Line("Anonymous", M64, "cs-map-ns", 6.875e6), Line("Anonymous", G1, "cs-map-ns", 110e6),
                Line("Anonymous", G1, "populate-ns", 5.3e9), Line("Anonymous", G1, "map-ratio", 1.01),
                Line("Anonymous", G1, "contiguous-2MiB-share", 0.25), Line("Anonymous", G1, "contiguous-1GiB-share", 0),
                // hugetlb memfd by file: 4.1 ms/GiB at 1 GiB but 8.2 at 64 MiB (not flat), populate 1.5 s/GiB
                Line("MemfdHugeTlb2M", M64, "cs-map-ns", 0.5125e6), Line("MemfdHugeTlb2M", G1, "cs-map-ns", 4.1e6),
                Line("MemfdHugeTlb2M", G1, "populate-ns", 1.5e9), Line("MemfdHugeTlb2M", G1, "map-ratio", 1.04),
                Line("MemfdHugeTlb2M", G1, "map-ratio", 1.08, backend: "Type1"),
                "GuestRamConcurrency/Ioases=1/Size=268435456/one-thread-ns\t60000000",
                "GuestRamConcurrency/Ioases=1/Size=268435456/two-threads-ns\t40000000",
                "GuestRamConcurrency/Ioases=1/Size=268435456/scaling\t1.5",
                "GuestRamConcurrency/Control=user-space-writes/Size=268435456/one-thread-ns\t20000000",
                "GuestRamConcurrency/Control=user-space-writes/Size=268435456/two-threads-ns\t10500000",
                "GuestRamConcurrency/Control=user-space-writes/Size=268435456/scaling\t1.905",
            ]);

            Assert.Equal(0, GuestRamReport.Write(dir));

            var md = File.ReadAllLines(Path.Combine(dir, "ram-curve.md"));
            Assert.Contains(md, l => l.StartsWith("| map of ≥ 1 GiB", StringComparison.Ordinal) && l.Contains("| MemfdHugeTlb2M: 26.83× | met |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| populate + map", StringComparison.Ordinal) && l.Contains("| MemfdHugeTlb2M: 3.60× | met |", StringComparison.Ordinal)); // 5.41 / 1.5041 s
            Assert.Contains(md, l => l.StartsWith("| C# ≤ 1.05× C", StringComparison.Ordinal) && l.Contains("| worst 1.08× over 3 cases | **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| Anonymous: map cost per GiB flat", StringComparison.Ordinal) && l.Contains("| met |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| MemfdHugeTlb2M: map cost per GiB flat", StringComparison.Ordinal) && l.Contains("max/min 2.00× over 2 sizes (huge pages off: n/a) | **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| 1 GiB | 5300 | 25 % / 0 % | n/a | 110 |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| 64 MiB | n/a | – / – |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| maps its half into one shared IOAS | 256 MiB |", StringComparison.Ordinal) && l.Contains("| 1.50 |", StringComparison.Ordinal));
            Assert.Contains(md, l => l.StartsWith("| control: user space writes (no system call) | 256 MiB |", StringComparison.Ordinal) && l.Contains("| 1.91 |", StringComparison.Ordinal));
            Assert.True(new FileInfo(Path.Combine(dir, "ram-curve-MemfdHugeTlb2M.png")).Length > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
