using System.Diagnostics;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Two loops measured in alternating rounds (A, B, A, B…) of equal duration: on a shared machine, and more so
/// in a TCG guest whose speed follows the host's load, numbers taken minutes apart differ by 2-4x; rounds side by side
/// share the load. Each side's operation count is sized from its own speed: with equal counts, a side 100x slower per
/// operation (one entry per ioctl against batches) runs rounds 100x longer, and on a loaded host a long round absorbs
/// the preemptions a short one escapes, so the medians would set a preempted side against an unpreempted one.
/// Reports each side's median ns/op and the median of the per-round ratios B/A.</summary>
internal static class Interleaved
{
    private const int Rounds = 15;
    private const double RoundNs = 20e6; // 20 ms a side: one op of the slowest cases, thousands of the fast ones

    /// <summary>The dry mode: one round of one operation a side, which proves both loops run (the C twin's signature,
    /// its ioctls on this descriptor), not how fast.</summary>
    public static bool Once { get; set; }

    /// <summary><paramref name="a"/> and <paramref name="b"/> each run the given number of operations.</summary>
    public static IEnumerable<(string Key, double Value)> Compare(string key, Action<long> a, Action<long> b)
    {
        var aOps = Once ? 1 : OpsPerRound(a);
        var bOps = Once ? 1 : OpsPerRound(b);
        var rounds = Once ? 1 : Rounds;
        var aNs = new double[rounds];
        var bNs = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            aNs[round] = Time(a, aOps) / aOps;
            bNs[round] = Time(b, bOps) / bOps;
        }
        yield return (key + "/interleaved-a-ns", Median(aNs));
        yield return (key + "/interleaved-b-ns", Median(bNs));
        yield return (key + "/interleaved-ratio", Median(bNs.Zip(aNs, (x, y) => x / y).ToArray()));
    }

    /// <summary>How many operations of <paramref name="loop"/> take about <see cref="RoundNs"/>: after one warm-up call
    /// (JIT, lazy binding, first page faults: a single cold call says nothing of the loop's speed), counts grow fourfold
    /// until a run lasts a tenth of a round, and that run's speed sets the count.</summary>
    private static long OpsPerRound(Action<long> loop)
    {
        Time(loop, 1);
        long ops = 1;
        double ns;
        while ((ns = Time(loop, ops)) < RoundNs / 10) ops *= 4;
        return Math.Max(1, (long)(ops * RoundNs / ns));
    }

    private static double Time(Action<long> loop, long n)
    {
        var start = Stopwatch.GetTimestamp();
        loop(n);
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
}
