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
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CaseKey.Of(report.BenchmarkCase).Text}\t{median:F3}\t{allocated?.ToString(CultureInfo.InvariantCulture) ?? "NaN"}"));
        }
    }

    public static void WriteProbes(string path, IEnumerable<(string Key, double Value)> probes) =>
        File.WriteAllLines(path, probes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}\t{p.Value}")));

    /// <summary>Case key → columns after the key, of every timing file (C or C#) matching <paramref name="pattern"/> in
    /// <paramref name="dir"/>. A key that names no case of the suites is an error naming the file and line.</summary>
    public static Dictionary<CaseKey, double[]> ReadTimings(string dir, string pattern) =>
        Read(dir, pattern, text => CaseKey.Parse(text) is { } key ? key.Text : null).ToDictionary(e => CaseKey.Parse(e.Key)!.Value, e => e.Value);

    /// <summary>Probe key (a case key, '/', the measure) → value. A key that no case key leads is an error.</summary>
    public static Dictionary<string, double> ReadProbes(string dir, string pattern) =>
        Read(dir, pattern, text => CaseKey.ParseMeasure(text) is null ? null : text).ToDictionary(e => e.Key, e => e.Value[0]);

    private static Dictionary<string, double[]> Read(string dir, string pattern, Func<string, string?> known)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, pattern).Order(StringComparer.Ordinal))
        {
            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                number++;
                var cols = line.Split('\t');
                if (cols.Length < 2) continue;
                var key = known(cols[0]) ?? throw new InvalidDataException(
                    $"{file}:{number}: '{cols[0]}' names no benchmark case of the suites (a C baseline's key must equal its C# twin's; see CaseKey)");
                result[key] = cols.Skip(1).Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            }
        }
        return result;
    }
}
