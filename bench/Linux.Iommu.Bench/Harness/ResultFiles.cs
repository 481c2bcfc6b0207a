using System.Globalization;
using BenchmarkDotNet.Reports;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The tab-separated files the report reads: timings (key, median ns/op, allocated B/op) and probes
/// (key, value). The C baselines write the timing format too (key, ns/op).</summary>
public static class ResultFiles
{
    public static void WriteTimings(string path, Summary summary)
    {
        using var writer = new StreamWriter(path);
        foreach (var report in summary.Reports)
        {
            // The median, as bench/c reports: other jobs on the shared machine only add time, and it ignores their hits.
            var median = report.ResultStatistics?.Median ?? double.NaN; // NaN: the case failed; the report says so
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CaseKey.Of(report.BenchmarkCase)}\t{median:F3}\t{allocated?.ToString(CultureInfo.InvariantCulture) ?? "NaN"}"));
        }
    }

    public static void WriteProbes(string path, IEnumerable<(string Key, double Value)> probes) =>
        File.WriteAllLines(path, probes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}\t{p.Value}")));

    /// <summary>key → columns after the key, of every such file matching <paramref name="pattern"/> in <paramref name="dir"/>.</summary>
    public static Dictionary<string, double[]> Read(string dir, string pattern) =>
        Directory.EnumerateFiles(dir, pattern).SelectMany(File.ReadLines)
            .Select(line => line.Split('\t'))
            .Where(cols => cols.Length >= 2)
            .GroupBy(cols => cols[0]).ToDictionary(g => g.Key, g => g.Last().Skip(1).Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray());
}
