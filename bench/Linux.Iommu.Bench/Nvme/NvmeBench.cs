using System.Diagnostics;
using System.Globalization;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>The NVMe suite (run in the nvme guest: bench/nvme.sh): 4 KiB random reads and writes at queue depth 1 and 32
/// through the sample driver, with three DMA strategies — a pool of buffers mapped once (no map per I/O), an ephemeral
/// mapping per I/O, and ephemeral with the reuse cache — IOPS and the share of the time spent in map/unmap calls; the pool
/// also with its I/O queue on interrupts and hybrid (the others poll, as the pool does first). Not a
/// BenchmarkDotNet suite: an I/O with 32 in flight is no single invocation; like the C anchor (bench/c/nvme-kernel.c)
/// each case runs rounds of a fixed time and reports the median.</summary>
public static class NvmeBench
{
    private const int Block = 4096, Depth = 32, Rounds = 5;

    public enum Strategy { Pool, Ephemeral, EphemeralCached }

    public sealed record Result(string Key, double Iops, double MapShare);

    public static IReadOnlyList<Result> Run(bool dry)
    {
        var seconds = dry ? 0.02 : 1.0;
        var results = new List<Result>();
        var pci = NvmePciDevice.Find(null);
        pci.Pci.BindToVfioPci();
        (Strategy, NvmeCompletionMode)[] cases =
        [
            (Strategy.Pool, NvmeCompletionMode.Polling), (Strategy.Ephemeral, NvmeCompletionMode.Polling), (Strategy.EphemeralCached, NvmeCompletionMode.Polling),
            (Strategy.Pool, NvmeCompletionMode.Interrupt), (Strategy.Pool, NvmeCompletionMode.Hybrid),
        ];
        foreach (var (strategy, mode) in cases)
        {
            using var devices = VfioDeviceSet.Open([pci.Pci]);
            var (ranges, alignment) = devices.GetIovaRanges();
            var mapper = new TimedMapper(devices.Mapper);
            using var space = new DmaSpace(mapper, ranges, alignment, cacheCapacity: strategy == Strategy.EphemeralCached ? Depth : 0);
            var buffers = Enumerable.Range(0, Depth).Select(_ => DmaBuffer.Allocate(Block)).ToArray();
            try
            {
                if (strategy == Strategy.Pool) foreach (var buffer in buffers) space.Map(buffer, DmaAccess.ReadWrite);
                using var nvme = NvmeController.Open(devices.Devices[0].Device, space, ioEntries: Depth + 1, ioCompletion: mode);
                var span = nvme.Namespace.SizeInBytes / Block;
                var perBlock = Block / nvme.Namespace.BlockSize;
                foreach (var write in new[] { false, true })
                {
                    foreach (var depth in new[] { 1, Depth })
                    {
                        if (!dry) RunRound(nvme, mapper, buffers, depth, write, span, perBlock, seconds / 4); // warm-up: JIT, cache, tables
                        var rounds = new List<(double Iops, double Share)>();
                        for (var round = 0; round < (dry ? 1 : Rounds); round++) rounds.Add(RunRound(nvme, mapper, buffers, depth, write, span, perBlock, seconds));
                        rounds.Sort();
                        var median = rounds[rounds.Count / 2];
                        var key = $"nvme/{Name(strategy, mode)}/{(write ? "write" : "read")}/qd{depth}";
                        results.Add(new Result(key, median.Iops, median.Share));
                        Console.WriteLine($"{key}\t{median.Iops:F1}\t{median.Share:F3}");
                    }
                }
                if (strategy == Strategy.Pool) nvme.Dispose(); // before the pool's unmaps: nothing may be in flight
                if (strategy == Strategy.Pool) foreach (var buffer in buffers) space.Unmap(buffer);
            }
            finally
            {
                foreach (var buffer in buffers) buffer.Dispose();
            }
        }
        return results;
    }

    /// <summary>The case's name in the result keys: the strategy, and the completion mode when it is not polling.</summary>
    public static string Name(Strategy strategy, NvmeCompletionMode mode = NvmeCompletionMode.Polling) => (strategy switch
    {
        Strategy.Pool => "pool",
        Strategy.Ephemeral => "ephemeral",
        _ => "ephemeral-cached",
    }) + mode switch
    {
        NvmeCompletionMode.Interrupt => "-interrupt",
        NvmeCompletionMode.Hybrid => "-hybrid",
        _ => "",
    };

    private static (double Iops, double Share) RunRound(NvmeController nvme, TimedMapper mapper, DmaBuffer[] buffers, int depth, bool write, ulong span, int perBlock, double seconds)
    {
        var random = new Random(1234);
        var cids = new int[depth];
        var ticksBefore = mapper.Ticks;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(seconds * Stopwatch.Frequency);
        int Submit(int slot)
        {
            var lba = (ulong)random.NextInt64((long)span) * (ulong)perBlock;
            return write ? nvme.SubmitWrite(lba, perBlock, buffers[slot]) : nvme.SubmitRead(lba, perBlock, buffers[slot]);
        }
        for (var slot = 0; slot < depth; slot++) cids[slot] = Submit(slot);
        long done = 0;
        var inflight = depth;
        var polled = nvme.IoCompletion == NvmeCompletionMode.Polling;
        while (inflight > 0)
        {
            if (polled) nvme.Reap(); // the loop itself spins, as it always has
            else nvme.WaitForCompletions();
            for (var slot = 0; slot < depth; slot++)
            {
                if (cids[slot] < 0 || !nvme.TryTakeCompletion(cids[slot])) continue;
                done++;
                if (Stopwatch.GetTimestamp() < end) cids[slot] = Submit(slot);
                else
                {
                    cids[slot] = -1; // draining
                    inflight--;
                }
            }
        }
        var elapsed = Stopwatch.GetTimestamp() - start;
        return (done / ((double)elapsed / Stopwatch.Frequency), (double)(mapper.Ticks - ticksBefore) / elapsed);
    }

    /// <summary>Writes the suite's TSV (key, IOPS, map/unmap share).</summary>
    public static void Write(string path, IReadOnlyList<Result> results) =>
        File.WriteAllLines(path, results.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key}\t{r.Iops:F1}\t{r.MapShare:F4}")));
}
