using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.Suites;

/// <summary>vEVENTs read through <see cref="VeventQueue"/> from the selftest mock: each invoke triggers 64 events
/// (IOMMU_TEST_OP_TRIGGER_VEVENT, one ioctl each) and reads them; the probe times the reads alone and counts the bytes
/// the reading thread allocates per event. Guest, x86 only (CONFIG_IOMMUFD_TEST).</summary>
[MemoryDiagnoser]
public class VeventReadBench : IProbed
{
    private const int Events = 64;
    private MockNesting? _mock;

    [GlobalSetup]
    public void Setup() => _mock = new MockNesting(attachForEvents: true);

    [Benchmark(OperationsPerInvoke = Events)]
    public int TriggerAndRead()
    {
        Trigger();
        return Read();
    }

    private void Trigger()
    {
        for (var i = 0; i < Events; i++) SelftestMock.TriggerVevent(_mock!.Iommu, _mock.Device.IdevId);
    }

    private int Read()
    {
        var read = 0;
        while (_mock!.Events!.TryRead(out var item))
        {
            if (item.IsLost) throw new InvalidOperationException($"bench: {item} (the queue is deeper than a round)");
            read++;
        }
        if (read != Events) throw new InvalidOperationException($"bench: read {read} of {Events} events");
        return read;
    }

    [GlobalCleanup]
    public void Cleanup() => _mock?.Dispose();

    /// <summary>Median ns per event read (triggering outside the timed part) over 15 rounds, and the reader's bytes per event.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        Setup();
        try
        {
            var key = CaseKey.Of(this, nameof(TriggerAndRead));
            var rounds = new double[15];
            long bytes = 0;
            Trigger();
            Read(); // warm-up: JIT, buffers
            for (var round = 0; round < rounds.Length; round++)
            {
                Trigger();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                Read();
                rounds[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Events;
                bytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
            }
            yield return (key.Measure("read-ns-per-event"), rounds.Order().ElementAt(rounds.Length / 2));
            yield return (key.Measure("thread-bytes-per-event"), bytes / (double)(rounds.Length * Events));
        }
        finally
        {
            Cleanup();
        }
    }
}
