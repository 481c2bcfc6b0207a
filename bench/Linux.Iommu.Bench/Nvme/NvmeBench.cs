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
/// each case runs rounds of a fixed time and reports the median; with each round, what it cost the guest's CPUs
/// (<see cref="GuestCpu"/>).</summary>
public static class NvmeBench
{
    private const int Block = 4096, Depth = 32, Rounds = 5;

    public enum Strategy { Pool, Ephemeral, EphemeralCached }

    /// <summary>A case's figures, each the median of its rounds (<see cref="RoundCost"/>), and the map/unmap share.</summary>
    public sealed record Result(string Key, double Iops, double IopsPerCpuSecond, double BusyCpus, double ProcessShare, double MapShare);

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
                        if (!dry) WarmUp(() => RunRound(nvme, mapper, buffers, depth, write, span, perBlock, seconds / 4));
                        var rounds = new List<(RoundCost Cost, double Share)>();
                        for (var round = 0; round < (dry ? 1 : Rounds); round++) rounds.Add(RunRound(nvme, mapper, buffers, depth, write, span, perBlock, seconds));
                        double Median(Func<(RoundCost Cost, double Share), double> figure) => rounds.Select(figure).Order().ElementAt(rounds.Count / 2);
                        var key = $"nvme/{Name(strategy, mode)}/{(write ? "write" : "read")}/qd{depth}";
                        var result = new Result(key, Median(r => r.Cost.Iops), Median(r => r.Cost.IopsPerCpuSecond), Median(r => r.Cost.BusyCpus),
                            Median(r => r.Cost.ProcessShare), Median(r => r.Share));
                        results.Add(result);
                        Console.WriteLine(Line(result));
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

    /// <summary>Warm-up rounds (JIT, caches, tables) until a round ran without the JIT compiling for more than 1 % of it:
    /// the first case would otherwise measure the tier-1 compilation that keeps the guest's second vCPU busy for the
    /// process's first seconds under TCG (at most 20 rounds).</summary>
    private static void WarmUp(Func<(RoundCost Cost, double Share)> round)
    {
        for (var i = 0; i < 20; i++)
        {
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var start = Stopwatch.GetTimestamp();
            round();
            if (System.Runtime.JitInfo.GetCompilationTime() - jit < Stopwatch.GetElapsedTime(start) / 100) return;
        }
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

    private static (RoundCost Cost, double Share) RunRound(NvmeController nvme, TimedMapper mapper, DmaBuffer[] buffers, int depth, bool write, ulong span, int perBlock, double seconds)
    {
        var random = new Random(1234);
        var cids = new int[depth];
        var ticksBefore = mapper.Ticks;
        var before = GuestCpu.Take();
        var end = before.Timestamp + (long)(seconds * Stopwatch.Frequency);
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
        var after = GuestCpu.Take();
        return (after.Since(before, done), (double)(mapper.Ticks - ticksBefore) / (after.Timestamp - before.Timestamp));
    }

    /// <summary>Writes the suite's TSV: key, IOPS, IOPS per CPU second, busy CPUs, process share (the columns of the C
    /// anchor's c-nvme.tsv), then the map/unmap share.</summary>
    public static void Write(string path, IReadOnlyList<Result> results) => File.WriteAllLines(path, results.Select(Line));

    private static string Line(Result r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Key}\t{r.Iops:F1}\t{r.IopsPerCpuSecond:F1}\t{r.BusyCpus:F3}\t{r.ProcessShare:F3}\t{r.MapShare:F4}");
}
