using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Native;
using Linux.Iommu.Testing.Native;

namespace Linux.Iommu.Bench.Suites;

/// <summary>IOMMU_HWPT_INVALIDATE of the selftest mock's nested HWPT: 256 invalidation entries per invoke, sent one per
/// ioctl (QEMU's way) or in batches of 8/64/256 (OpenVMM's way, <see cref="HwPagetable.TryInvalidate{T}"/>); figures are
/// per entry. Guest, x86 only (CONFIG_IOMMUFD_TEST). C side: bench/c/invalidate.c.</summary>
[MemoryDiagnoser]
public class NestedInvalidateBench : IProbed
{
    private const int Entries = 256;
    private static readonly InvalidationDataType Type = (InvalidationDataType)SelftestConstants.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
    private readonly iommu_hwpt_invalidate_selftest[] _entries = new iommu_hwpt_invalidate_selftest[Entries];
    private MockNesting? _mock;

    [Params(1, 8, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mock = new MockNesting(attachForEvents: false);
        for (var i = 0; i < Entries; i++) _entries[i] = new iommu_hwpt_invalidate_selftest { iotlb_id = (uint)(i % SelftestConstants.MOCK_NESTED_DOMAIN_IOTLB_NUM) };
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public void Invalidate() => Run(Entries);

    /// <summary><paramref name="entries"/> entries in ioctls of up to <see cref="Batch"/>, as bench_invalidate_loop does.</summary>
    private void Run(long entries)
    {
        var nested = _mock!.Nested;
        for (long done = 0; done < entries;)
        {
            var count = (int)Math.Min(Batch, entries - done);
            var sent = nested.TryInvalidate(Type, new ReadOnlySpan<iommu_hwpt_invalidate_selftest>(_entries, 0, count), out var handled, out var errno);
            if (!sent || handled != count) Expect.Ok(false, sent ? Errno.EIO : errno, nameof(Ioctls.IOMMU_HWPT_INVALIDATE));
            done += count;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _mock?.Dispose();

    /// <summary>Per batch size: C# against C on the same loop (interleaved), the batch against one entry per ioctl (both C#),
    /// and the bytes the calling thread allocates per entry.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var batch in new[] { 1, 8, 64, 256 })
        {
            Batch = batch;
            Setup();
            try
            {
                var key = CaseKey.Of(this, nameof(Invalidate));
                Run(Entries);
                var before = GC.GetAllocatedBytesForCurrentThread();
                Run(Entries);
                yield return (key.Measure("thread-bytes-per-entry"), (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Entries);
                if (batch > 1)
                {
                    var single = new NestedInvalidateBench { Batch = 1 };
                    single._mock = _mock;
                    Array.Copy(_entries, single._entries, Entries);
                    foreach (var figure in Interleaved.Compare(key.Measure("vs-one-per-ioctl"), single.Run, Run)) yield return figure;
                }
                if (!CBaselines.Available) continue;
                foreach (var figure in Interleaved.Compare(key.Text, CBaselines.InvalidateLoop(_mock!.Iommu, _mock.Nested.Id, (uint)batch), Run)) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
