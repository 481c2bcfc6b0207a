using System.Globalization;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Report;

/// <summary>The measured numbers of one results folder, looked up by case key, and their formatting.</summary>
internal sealed class Figures(string dir)
{
    private readonly Dictionary<CaseKey, double[]> _c = ResultFiles.ReadTimings(dir, "c-*.tsv");
    private readonly Dictionary<CaseKey, double[]> _cs = ResultFiles.ReadTimings(dir, "csharp-*.tsv");
    private readonly Dictionary<string, double> _probes = ResultFiles.ReadProbes(dir, "probes-*.tsv");

    /// <summary>C median ns/op (NaN when not measured).</summary>
    public double C(CaseKey key) => _c.TryGetValue(key, out var v) ? v[0] : double.NaN;

    /// <summary>C# median ns/op.</summary>
    public double Cs(CaseKey key) => _cs.TryGetValue(key, out var v) ? v[0] : double.NaN;

    /// <summary>C# bytes allocated per operation (MemoryDiagnoser).</summary>
    public double Allocated(CaseKey key) => _cs.TryGetValue(key, out var v) && v.Length > 1 ? v[1] : double.NaN;

    /// <summary>Bytes the case's own thread allocated per call (the runner's probe after the timed runs).</summary>
    public double ThreadBytes(CaseKey key) => Probe(key, "thread-bytes");

    /// <summary>"MemoryDiagnoser B (own thread B)" per <paramref name="unit"/> calls' worth (e.g. per page).</summary>
    public string AllocationText(CaseKey key, int unit = 1) =>
        $"{Number(Allocated(key) / unit, "0.##")} B ({Number(ThreadBytes(key) / unit, "0.##")} B)";

    /// <summary>The 0 B target judged on MemoryDiagnoser; a miss says when the benchmark's own thread allocated nothing.</summary>
    public string AllocationVerdict(CaseKey key)
    {
        var verdict = Verdict(Allocated(key), b => b == 0);
        return verdict == "**MISSED**" && ThreadBytes(key) == 0 ? verdict + " (other threads)" : verdict;
    }

    /// <summary>The interleaved-rounds ratio of a case (B/A as <see cref="Harness.Interleaved"/> reports it), or of one of
    /// its comparisons (<paramref name="comparison"/>: "vs-single").</summary>
    public double Interleaved(CaseKey key, string? comparison = null) =>
        Probe(key, comparison is null ? "interleaved-ratio" : comparison + "/interleaved-ratio");

    /// <summary>"separately (interleaved)": the interleaved figure is the one targets are judged on.</summary>
    public static string Both(double separately, double interleaved) => $"{Ratio(separately)} ({Ratio(interleaved)})";

    /// <summary>The interleaved ratio when it was measured, else the separate one.</summary>
    public static double Judged(double separately, double interleaved) => double.IsNaN(interleaved) ? separately : interleaved;

    /// <summary>A probe of a case (NaN when not measured).</summary>
    public double Probe(CaseKey key, string measure) => _probes.TryGetValue(key.Measure(measure), out var v) ? v : double.NaN;

    public bool Any => _cs.Count > 0 || _c.Count > 0;

    /// <summary>Whether <paramref name="suite"/> has any figure here: a C# or C timing or a probe.</summary>
    public bool Ran(Type suite)
    {
        var prefix = CaseKey.Suite(suite) + "/";
        return _cs.Keys.Concat(_c.Keys).Select(key => key.Text).Concat(_probes.Keys).Any(key => key.StartsWith(prefix, StringComparison.Ordinal));
    }

    public static string Time(double ns) => double.IsNaN(ns) ? "n/a"
        : ns >= 1e6 ? F(ns / 1e6, "ms") : ns >= 1e3 ? F(ns / 1e3, "µs") : F(ns, "ns");

    public static string Ratio(double r) => double.IsNaN(r) ? "n/a" : r.ToString(r >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture) + "×";

    public static string Number(double n, string format = "G4") => double.IsNaN(n) ? "n/a" : n.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>met / MISSED / n/a (not measured) for a target check.</summary>
    public static string Verdict(double value, Func<double, bool> target) => double.IsNaN(value) ? "n/a" : target(value) ? "met" : "**MISSED**";

    private static string F(double v, string unit) => v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) + " " + unit;
}
