using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>Mapping N 4 KiB pages (and unmapping them again) with the edu device attached: one ioctl per page vs
/// <see cref="BatchMapper"/> vs the ideal single ioctl, for contiguous pages and for scattered ones (every other IOVA
/// page, user pages and order permuted, so nothing coalesces), on an iommufd IOAS; <see cref="Type1BatchBench"/> runs
/// the same cases on a type1 container. Guest only. C side: bench/c/iommufd.c (bench/c/type1.c).</summary>
[MemoryDiagnoser]
public class BatchBench : IProbed
{
    private const ulong Page = 4096;
    private EduMapper? _target;
    private DmaBuffer? _buffer;
    private BatchMapper? _batch;

    /// <summary>The kernel interface the pages are mapped through.</summary>
    protected virtual Type1Bench.Interface Backend => Type1Bench.Interface.Iommufd;

    [Params(1, 64, 4096)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _target = EduMapper.Open(Backend);
        _buffer = DmaBuffer.Allocate(N * (long)Page);
        _batch = new BatchMapper(_target.Mapper, N);
    }

    /// <summary>The permutation bench/c uses: an odd multiplier modulo the power-of-two N.</summary>
    private int Scatter(int i) => (int)((uint)i * 40503u & (uint)(N - 1));

    private IDmaMapper Mapper => _target!.Mapper;

    private string MapIoctl => _target!.MapIoctl;

    private string UnmapIoctl => _target!.UnmapIoctl;

    [Benchmark]
    public void PerPage()
    {
        for (var i = 0; i < N; i++) Expect.Ok(Mapper.TryMap(IommuSession.IovaBase + (ulong)i * Page, _buffer!.Address + i * (nint)Page, Page, DmaAccess.ReadWrite, out var mapErrno), mapErrno, MapIoctl);
        for (var i = 0; i < N; i++) Expect.Ok(Mapper.TryUnmap(IommuSession.IovaBase + (ulong)i * Page, Page, out _, out var unmapErrno), unmapErrno, UnmapIoctl);
    }

    [Benchmark]
    public int Batched()
    {
        for (var i = 0; i < N; i++) _batch!.Add(IommuSession.IovaBase + (ulong)i * Page, _buffer!.Address + i * (nint)Page, Page, DmaAccess.ReadWrite);
        Expect.Ok(_batch!.TryCommit(out var ioctls, out _, out var commitErrno), commitErrno, MapIoctl);
        Expect.Ok(Mapper.TryUnmap(IommuSession.IovaBase, (ulong)N * Page, out _, out var unmapErrno), unmapErrno, UnmapIoctl);
        return ioctls;
    }

    [Benchmark]
    public void ScatteredPerPage()
    {
        for (var i = 0; i < N; i++)
        {
            var k = Scatter(i);
            Expect.Ok(Mapper.TryMap(IommuSession.IovaBase + 2 * (ulong)k * Page, _buffer!.Address + Scatter(k) * (nint)Page, Page, DmaAccess.ReadWrite, out var mapErrno), mapErrno, MapIoctl);
        }
        for (var i = 0; i < N; i++) Expect.Ok(Mapper.TryUnmap(IommuSession.IovaBase + 2 * (ulong)Scatter(i) * Page, Page, out _, out var unmapErrno), unmapErrno, UnmapIoctl);
    }

    [Benchmark]
    public int ScatteredBatched()
    {
        for (var i = 0; i < N; i++)
        {
            var k = Scatter(i);
            _batch!.Add(IommuSession.IovaBase + 2 * (ulong)k * Page, _buffer!.Address + Scatter(k) * (nint)Page, Page, DmaAccess.ReadWrite);
        }
        Expect.Ok(_batch!.TryCommit(out var ioctls, out _, out var commitErrno), commitErrno, MapIoctl);
        Expect.Ok(Mapper.TryUnmap(IommuSession.IovaBase, 2 * (ulong)N * Page, out _, out var unmapErrno), unmapErrno, UnmapIoctl); // holes are fine for UNMAP
        return ioctls;
    }

    [Benchmark]
    public void SingleIoctl()
    {
        Expect.Ok(Mapper.TryMap(IommuSession.IovaBase, _buffer!.Address, (ulong)N * Page, DmaAccess.ReadWrite, out var mapErrno), mapErrno, MapIoctl);
        Expect.Ok(Mapper.TryUnmap(IommuSession.IovaBase, (ulong)N * Page, out _, out var unmapErrno), unmapErrno, UnmapIoctl);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _target?.Dispose();
        _buffer?.Dispose();
    }

    /// <summary>Map ioctls one commit issues, per layout and N; with the C loops at hand, interleaved comparisons.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var n in new[] { 1, 64, 4096 })
        {
            N = n;
            Setup();
            try
            {
                yield return (CaseKey.Of(this, nameof(Batched)).Measure("map-ioctls"), Batched());
                yield return (CaseKey.Of(this, nameof(ScatteredBatched)).Measure("map-ioctls"), ScatteredBatched());
                if (!CBaselines.Available) continue;
                // C# vs C on the same work, then the batcher against the single ioctl and against one ioctl per page.
                foreach (var (method, kind, run) in new (string, CBaselines.LoopKind, Action)[]
                         { (nameof(PerPage), CBaselines.LoopKind.PerPage, PerPage), (nameof(ScatteredPerPage), CBaselines.LoopKind.ScatteredPerPage, ScatteredPerPage), (nameof(SingleIoctl), CBaselines.LoopKind.SingleIoctl, SingleIoctl) })
                {
                    foreach (var figure in Interleaved.Compare(CaseKey.Of(this, method).Text, _target!.CLoop(kind, _buffer!.Address, (ulong)n * Page), CBaselines.Repeat(run))) yield return figure;
                }
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(Batched)).Measure("vs-single"), CBaselines.Repeat(SingleIoctl), CBaselines.Repeat(() => Batched()))) yield return figure;
                foreach (var figure in Interleaved.Compare(CaseKey.Of(this, nameof(Batched)).Measure("vs-per-page"), CBaselines.Repeat(() => Batched()), CBaselines.Repeat(PerPage))) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
