using System.Diagnostics;
using System.Globalization;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>The measurement that picks the hybrid poll time (bench/nvme.sh --latency, in the nvme guest): 4 KiB random
/// reads at queue depth 1 from a pool of mapped buffers, one at a time, submit to completion taken, timed per I/O — first
/// with the I/O queue polled, then sleeping on its MSI-X vector. The polled distribution says how long the device takes;
/// the difference of the medians is what a sleep costs over a spin (the interrupt, then the waiting thread woken from poll(2)).
/// Spinning that long before sleeping bounds a wait at twice the better of the two choices made in hindsight (the
/// ski-rental rule), which is the switch point this reports; the hybrid row checks it.</summary>
public static class NvmeLatency
{
    private const int Block = 4096;

    public sealed record Distribution(string Mode, int Count, double P10, double P50, double P90, double P99, double Max)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Mode}\t{Count}\t{P10:F1}\t{P50:F1}\t{P90:F1}\t{P99:F1}\t{Max:F1}");
    }

    public static int Run(bool dry, string? output)
    {
        var count = dry ? 50 : 20000;
        var pci = NvmePciDevice.Find(null);
        pci.Pci.BindToVfioPci();
        var rows = new List<Distribution>();
        var polled = Measure(pci, NvmeCompletionMode.Polling, count, null);
        var slept = Measure(pci, NvmeCompletionMode.Interrupt, count, null);
        var wake = Math.Max(0, slept.Distribution.P50 - polled.Distribution.P50);
        var within = polled.Samples.Count(s => s <= wake) / (double)polled.Samples.Length;
        var hybrid = Measure(pci, NvmeCompletionMode.Hybrid, count, TimeSpan.FromMicroseconds(wake));
        rows.AddRange([polled.Distribution, slept.Distribution, hybrid.Distribution]);
        var lines = new List<string> { "mode\tcount\tp10_us\tp50_us\tp90_us\tp99_us\tmax_us" };
        lines.AddRange(rows.Select(r => r.ToString()));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"# sleep cost (interrupt p50 - polling p50): {wake:F1} us; polled completions within it: {within * 100:F1} %; hybrid poll time: {wake:F0} us"));
        foreach (var line in lines) Console.WriteLine(line);
        if (output is not null)
        {
            Directory.CreateDirectory(output);
            File.WriteAllLines(Path.Combine(output, "nvme-latency.tsv"), lines);
        }
        return 0;
    }

    private static (Distribution Distribution, double[] Samples) Measure(NvmePciDevice pci, NvmeCompletionMode mode, int count, TimeSpan? hybridPoll)
    {
        using var devices = VfioDeviceSet.Open([pci.Pci]);
        using var space = devices.CreateDmaSpace();
        using var buffer = DmaBuffer.Allocate(Block);
        space.Map(buffer, DmaAccess.ReadWrite);
        var samples = new double[count];
        using (var nvme = NvmeController.Open(devices.Devices[0].Device, space, ioCompletion: mode))
        {
            if (hybridPoll is { } poll) nvme.HybridPollTime = poll;
            var random = new Random(1234);
            var span = nvme.Namespace.SizeInBytes / Block;
            var perBlock = Block / nvme.Namespace.BlockSize;
            for (var i = -count / 10; i < count; i++) // a tenth more first, untimed: JIT, caches
            {
                var lba = (ulong)random.NextInt64((long)span) * (ulong)perBlock;
                var start = Stopwatch.GetTimestamp();
                nvme.Read(lba, perBlock, buffer);
                if (i >= 0) samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        space.Unmap(buffer);
        var sorted = samples.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        var name = mode == NvmeCompletionMode.Hybrid ? string.Create(CultureInfo.InvariantCulture, $"hybrid-{hybridPoll!.Value.TotalMicroseconds:F0}us") : mode.ToString().ToLowerInvariant();
        return (new Distribution(name, count, At(0.1), At(0.5), At(0.9), At(0.99), sorted[^1]), samples);
    }
}
