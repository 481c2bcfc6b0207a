using System.Diagnostics;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Two loops measured in alternating rounds (A, B, A, B…) of equal operation counts: on a shared machine, and
/// more so in a TCG guest whose speed follows the host's load, numbers taken minutes apart differ by 2-4x; rounds side
/// by side share the load. Reports each side's median ns/op and the median of the per-round ratios B/A.</summary>
internal static class Interleaved
{
    private const int Rounds = 15;
    private const double RoundNs = 20e6; // 20 ms a side: a few ops of the slow cases, thousands of the fast ones

    /// <summary><paramref name="a"/> and <paramref name="b"/> each run the given number of operations.</summary>
    public static IEnumerable<(string Key, double Value)> Compare(string key, Action<long> a, Action<long> b)
    {
        var slowest = Math.Max(Time(a, 1), Time(b, 1)); // also the warm-up
        var n = Math.Max(1, (long)(RoundNs / slowest));
        var aNs = new double[Rounds];
        var bNs = new double[Rounds];
        for (var round = 0; round < Rounds; round++)
        {
            aNs[round] = Time(a, n) / n;
            bNs[round] = Time(b, n) / n;
        }
        yield return (key + "/interleaved-a-ns", Median(aNs));
        yield return (key + "/interleaved-b-ns", Median(bNs));
        yield return (key + "/interleaved-ratio", Median(bNs.Zip(aNs, (x, y) => x / y).ToArray()));
    }

    private static double Time(Action<long> loop, long n)
    {
        var start = Stopwatch.GetTimestamp();
        loop(n);
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
}
