using System.Globalization;
using ScottPlot;

namespace Linux.Iommu.Bench.Report;

/// <summary>Map throughput (bytes mapped and unmapped per second) vs region size, C and C#, with and without a device:
/// the CSV and a PNG of it. Both axes are logarithmic (plotted as log10 with labelled decades). The figures are the
/// interleaved rounds' medians where they were measured (side by side), else the separate runs'.</summary>
internal static class ThroughputPlot
{
    public static void Write(Figures f, long[] sizes, string csvPath, string pngPath)
    {
        var rows = new List<(long Size, bool Device, string Language, double Ns)>();
        foreach (var device in new[] { false, true })
        foreach (var size in sizes)
        {
            var key = ResultsReport.MapKey(device, size);
            rows.Add((size, device, "C#", Prefer(f.Probe(key, "interleaved-b-ns"), f.Cs(key))));
            rows.Add((size, device, "C", Prefer(f.Probe(key, "interleaved-a-ns"), f.C(key))));
        }
        File.WriteAllLines(csvPath, rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Size},{(r.Device ? "edu" : "none")},{r.Language},{r.Ns:F3},{GiBps(r.Size, r.Ns):F4}")).Prepend("size_bytes,device,language,ns_per_map_unmap,gib_per_s"));

        var plot = new Plot();
        foreach (var series in rows.Where(r => !double.IsNaN(r.Ns)).GroupBy(r => (r.Device, r.Language)))
        {
            var line = plot.Add.Scatter(series.Select(r => Math.Log10(r.Size)).ToArray(), series.Select(r => Math.Log10(GiBps(r.Size, r.Ns))).ToArray());
            line.LegendText = $"{series.Key.Language}, {(series.Key.Device ? "edu attached" : "no device")}";
            line.LinePattern = series.Key.Language == "C" ? LinePattern.Dashed : LinePattern.Solid;
            line.MarkerSize = 8;
        }
        plot.Axes.Bottom.SetTicks(sizes.Select(s => Math.Log10(s)).ToArray(), sizes.Select(s => Readable.Bytes((ulong)s)).ToArray());
        var decades = Enumerable.Range(-3, 10).Select(e => (double)e).ToArray();
        plot.Axes.Left.SetTicks(decades, decades.Select(e => Math.Pow(10, e).ToString("G", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Bottom.Label.Text = "region size";
        plot.Axes.Left.Label.Text = "GiB/s mapped + unmapped (log)";
        plot.Title("IOMMU_IOAS_MAP + UNMAP throughput in the TCG guest: C vs C#");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(pngPath, 900, 550);
    }

    private static double Prefer(double interleaved, double separately) => double.IsNaN(interleaved) ? separately : interleaved;

    private static double GiBps(long size, double ns) => size / (ns * 1e-9) / (1L << 30);
}
