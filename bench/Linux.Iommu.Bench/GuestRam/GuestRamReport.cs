using System.Globalization;
using System.Text;
using Linux.Iommu.Bench.Report;
using ScottPlot;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>ram-curve.tsv → ram-curve.md (per-backing tables, the guest-RAM targets with verdicts, the concurrency
/// figure) and a log–log plot per backing (ram-curve-BACKING.png). Numbers come only from the file.</summary>
public static class GuestRamReport
{
    private const double GiB = 1L << 30;

    public static int Write(string dir)
    {
        var file = Path.Combine(dir, "ram-curve.tsv");
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"guest-ram report: no {file}");
            return 1;
        }
        var values = File.ReadLines(file).Select(l => l.Split('\t')).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        double V(MemoryBacking b, Backend t, bool h, long s, string m) => values.GetValueOrDefault(GuestRamCurve.Key(b, t, h, s, m), double.NaN);
        var sizes = values.Keys.Where(k => k.StartsWith("GuestRam/", StringComparison.Ordinal))
            .Select(k => long.Parse(k.Split('/')[4]["Size=".Length..], CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
        var md = new StringBuilder();
        var environment = Path.Combine(dir, "environment.md");
        if (File.Exists(environment)) md.Append(File.ReadAllText(environment)).AppendLine();
        string PerGiB(double ns, long size) => double.IsNaN(ns) ? "n/a" : (ns / 1e6 / (size / GiB)).ToString(ns / 1e6 / (size / GiB) >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture);

        foreach (var backing in GuestRamCurve.Backings.Where(b => sizes.Any(s => !double.IsNaN(V(b, Backend.Ioas, true, s, "cs-map-ns")))))
        {
            md.AppendLine($"### {backing} (ms per GiB; map and unmap with edu attached; C#/C interleaved)").AppendLine()
              .AppendLine("| size | populate | physically contiguous: 2 MiB / 1 GiB chunks, mean run | IOAS map C | IOAS map C# | C#/C | IOAS map, huge pages off (C#) | IOAS unmap C# | type1 map C | type1 map C# | C#/C | type1 unmap C# |")
              .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var size in sizes.Where(s => !double.IsNaN(V(backing, Backend.Ioas, true, s, "cs-map-ns"))))
            {
                md.AppendLine($"| {Readable.Bytes((ulong)size)} | {PerGiB(V(backing, Backend.Ioas, true, size, "populate-ns"), size)} | {Contiguity(backing, size, V)} " +
                              $"| {PerGiB(V(backing, Backend.Ioas, true, size, "c-map-ns"), size)} | {PerGiB(V(backing, Backend.Ioas, true, size, "cs-map-ns"), size)} | {Figures.Ratio(V(backing, Backend.Ioas, true, size, "map-ratio"))} " +
                              $"| {PerGiB(V(backing, Backend.Ioas, false, size, "cs-map-ns"), size)} | {PerGiB(V(backing, Backend.Ioas, true, size, "cs-unmap-ns"), size)} " +
                              $"| {PerGiB(V(backing, Backend.Type1, true, size, "c-map-ns"), size)} | {PerGiB(V(backing, Backend.Type1, true, size, "cs-map-ns"), size)} | {Figures.Ratio(V(backing, Backend.Type1, true, size, "map-ratio"))} " +
                              $"| {PerGiB(V(backing, Backend.Type1, true, size, "cs-unmap-ns"), size)} |");
            }
            md.AppendLine().AppendLine($"Slope of log(map time) over log(size), IOAS C#, from 4 MiB: {Figures.Number(Slope(backing, sizes, V), "F2")} (1 = linear).").AppendLine();
            Plot(dir, backing, sizes, V);
        }
        var unavailable = values.Keys.Where(k => k.StartsWith(GuestRamCurve.UnavailablePrefix, StringComparison.Ordinal))
            .Select(k => k[GuestRamCurve.UnavailablePrefix.Length..].Split('/')).Select(p => $"{p[0]["Backing=".Length..]} ({p[1]} is not set)").ToArray();
        if (unavailable.Length > 0) md.AppendLine($"Not offered by this guest kernel, so not measured: {string.Join(", ", unavailable)}.").AppendLine();
        if (sizes.Length > 0) Targets(md, sizes, V); // a run of the concurrency figure alone (--max 0) has no curve
        Concurrency(md, values);
        File.WriteAllText(Path.Combine(dir, "ram-curve.md"), md.ToString());
        Console.Write(md);
        return 0;
    }

    /// <summary>"93 % / 0 %": the shares of the buffer in physically contiguous 2 MiB and 1 GiB chunks (what lets the IOMMU
    /// use large IOPTEs), "–" for a chunk larger than the buffer.</summary>
    private static string Contiguity(MemoryBacking backing, long size, Lookup v) => string.Join(" / ", GuestRamCurve.ContiguityChunks.Select(chunk =>
        v(backing, Backend.Ioas, true, size, GuestRamCurve.ContiguityMeasure(chunk)) is var share && double.IsNaN(share) ? "–" : (share * 100).ToString("F0", CultureInfo.InvariantCulture) + " %"))
        + (v(backing, Backend.Ioas, true, size, GuestRamCurve.MeanRunMeasure) is var run && double.IsNaN(run) ? "" : ", " + Readable.Bytes((ulong)run));

    private delegate double Lookup(MemoryBacking backing, Backend backend, bool hugePages, long size, string measure);

    /// <summary>Least-squares slope of log(map ns) against log(size), IOAS C#, over the sizes from 4 MiB (1 = linear).</summary>
    private static double Slope(MemoryBacking backing, long[] sizes, Lookup v)
    {
        var points = sizes.Where(s => s >= 4L << 20).Select(s => (X: Math.Log(s), Y: Math.Log(v(backing, Backend.Ioas, true, s, "cs-map-ns")))).Where(p => !double.IsNaN(p.Y)).ToArray();
        if (points.Length < 2) return double.NaN;
        var (mx, my) = (points.Average(p => p.X), points.Average(p => p.Y));
        return points.Sum(p => (p.X - mx) * (p.Y - my)) / points.Sum(p => (p.X - mx) * (p.X - mx));
    }

    private static void Targets(StringBuilder md, long[] sizes, Lookup v)
    {
        var largest = sizes.Where(s => !double.IsNaN(v(MemoryBacking.Anonymous, Backend.Ioas, true, s, "cs-map-ns"))).DefaultIfEmpty(0).Max();
        double Map(MemoryBacking b) => v(b, Backend.Ioas, true, largest, "cs-map-ns");
        double BringUp(MemoryBacking b) => v(b, Backend.Ioas, true, largest, "populate-ns") + Map(b);
        var best = GuestRamCurve.Backings.Where(b => !double.IsNaN(Map(b))).DefaultIfEmpty(MemoryBacking.Anonymous).MinBy(Map);
        var bestBringUp = GuestRamCurve.Backings.Where(b => !double.IsNaN(BringUp(b))).DefaultIfEmpty(MemoryBacking.Anonymous).MinBy(BringUp);
        var mapSpeedup = Map(MemoryBacking.Anonymous) / Map(best);
        var bringUpSpeedup = BringUp(MemoryBacking.Anonymous) / BringUp(bestBringUp);
        var ratios = GuestRamCurve.Backings.SelectMany(b => sizes.Where(s => s >= 2L << 20).SelectMany(s => new[] { v(b, Backend.Ioas, true, s, "map-ratio"), v(b, Backend.Type1, true, s, "map-ratio") }))
            .Where(r => !double.IsNaN(r)).ToArray();
        var worst = ratios.Length > 0 ? ratios.Max() : double.NaN;
        md.AppendLine($"### Targets (largest size measured: {(largest > 0 ? Readable.Bytes((ulong)largest) : "none")})").AppendLine()
          .AppendLine("| target | measured | verdict |").AppendLine("|---|---|---|")
          .AppendLine($"| map of ≥ 1 GiB through the best backing ≥ 20× faster than 4 KiB anonymous (IOAS, C#) | {best}: {Figures.Ratio(mapSpeedup)} | {(largest >= 1L << 30 ? Figures.Verdict(mapSpeedup, r => r >= 20) : "n/a (no 1 GiB size measured)")} |")
          .AppendLine($"| populate + map through the best path ≥ 3× faster than 4 KiB | {bestBringUp}: {Figures.Ratio(bringUpSpeedup)} | {Figures.Verdict(bringUpSpeedup, r => r >= 3)} |")
          .AppendLine($"| C# ≤ 1.05× C for every backing and size ≥ 2 MiB (map, IOAS and type1, interleaved) | worst {Figures.Ratio(worst)} over {ratios.Length} cases | {Figures.Verdict(worst, r => r <= 1.05)} |");
        foreach (var backing in GuestRamCurve.Backings)
        {
            (double Spread, int Sizes) Flatness(bool hugePages)
            {
                var perGiB = sizes.Where(s => s >= 64L << 20).Select(s => v(backing, Backend.Ioas, hugePages, s, "cs-map-ns") / s).Where(x => !double.IsNaN(x)).ToArray();
                return (perGiB.Length >= 2 ? perGiB.Max() / perGiB.Min() : double.NaN, perGiB.Length);
            }
            var (spread, count) = Flatness(hugePages: true);
            // with huge pages off every IOPTE is 4 KiB: the spread the physical layout of the buffer cannot move
            md.AppendLine($"| {backing}: map cost per GiB flat within 1.2× from 64 MiB to the largest size | max/min {Figures.Ratio(spread)} over {count} sizes (huge pages off: {Figures.Ratio(Flatness(hugePages: false).Spread)}) | {Figures.Verdict(spread, r => r <= 1.2)} |");
        }
        md.AppendLine();
    }

    private static void Concurrency(StringBuilder md, Dictionary<string, double> values)
    {
        var keys = values.Keys.Where(k => k.StartsWith("GuestRamConcurrency/", StringComparison.Ordinal) && k.EndsWith("/scaling", StringComparison.Ordinal)).Order().ToArray();
        if (keys.Length == 0) return;
        md.AppendLine("### Concurrency: two halves of 4 KiB guest RAM, one thread after the other vs two threads at once (maps with edu attached)").AppendLine()
          .AppendLine("| what each thread does | bytes per thread | one thread | two threads | scaling (2 = none serialised) |").AppendLine("|---|---|---|---|---|");
        foreach (var key in keys)
        {
            var prefix = key[..^"/scaling".Length];
            var parts = prefix.Split('/');
            var what = parts[1].StartsWith("Ioases=", StringComparison.Ordinal)
                ? $"maps its half into {(parts[1] == "Ioases=1" ? "one shared IOAS" : "its own IOAS")}"
                : $"control: {parts[1]["Control=".Length..].Replace('-', ' ')} (no system call)";
            md.AppendLine($"| {what} | {Readable.Bytes(ulong.Parse(parts[2]["Size=".Length..], CultureInfo.InvariantCulture))} | {Figures.Time(values[prefix + "/one-thread-ns"])} | {Figures.Time(values[prefix + "/two-threads-ns"])} | {Figures.Number(values[key], "F2")} |");
        }
        md.AppendLine();
    }

    private static void Plot(string dir, MemoryBacking backing, long[] sizes, Lookup v)
    {
        var plot = new Plot();
        foreach (var (label, backend, hugePages, measure, dashed) in new[]
                 {
                     ("IOAS map, C", Backend.Ioas, true, "c-map-ns", true), ("IOAS map, C#", Backend.Ioas, true, "cs-map-ns", false),
                     ("IOAS map, huge pages off, C#", Backend.Ioas, false, "cs-map-ns", false), ("IOAS unmap, C#", Backend.Ioas, true, "cs-unmap-ns", false),
                     ("type1 map, C#", Backend.Type1, true, "cs-map-ns", false), ("populate", Backend.Ioas, true, "populate-ns", true),
                 })
        {
            var points = sizes.Select(s => (s, ns: v(backing, backend, hugePages, s, measure))).Where(p => !double.IsNaN(p.ns) && p.ns > 0).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => Math.Log10(p.s)).ToArray(), points.Select(p => Math.Log10(p.ns / 1e6)).ToArray());
            line.LegendText = label;
            line.LinePattern = dashed ? LinePattern.Dashed : LinePattern.Solid;
            line.MarkerSize = 6;
        }
        plot.Axes.Bottom.SetTicks(sizes.Select(s => Math.Log10(s)).ToArray(), sizes.Select(s => Readable.Bytes((ulong)s)).ToArray());
        var decades = Enumerable.Range(-3, 9).Select(e => (double)e).ToArray();
        plot.Axes.Left.SetTicks(decades, decades.Select(e => Math.Pow(10, e).ToString("G", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Bottom.Label.Text = "guest RAM size";
        plot.Axes.Left.Label.Text = "ms (log)";
        plot.Title($"{backing}: populate, map and unmap vs size (TCG guest, edu attached)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(Path.Combine(dir, $"ram-curve-{backing}.png"), 900, 550);
    }
}
