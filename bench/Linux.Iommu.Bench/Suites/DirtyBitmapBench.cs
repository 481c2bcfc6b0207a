using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.Suites;

/// <summary>Reading the dirty bitmap of 1 … 16 GiB of mappings through the runtime's <see cref="IDirtyTracker"/>
/// (VFIO_IOMMU_DIRTY_PAGES get-bitmap, type1 container holding edu's group, tracking started) against its C twin on the
/// same container (bench/c/type1.c bench_type1_dirty_loop), interleaved. One 1 GiB buffer is mapped that many times side by
/// side from 4 GiB (type1 lets one memory be mapped at many IOVAs), so any size needs 1 GiB of guest RAM. type1 reports
/// every page of a vfio-pci device's mappings dirty on every read, so each read fills the whole bitmap: 32 KiB per GiB of
/// 4 KiB pages. Both sides clear the bitmap's words before the call, as the kernel asks. Guest only.</summary>
[MemoryDiagnoser]
public class DirtyBitmapBench : IProbed
{
    private const ulong Base = 1UL << 32, GiBytes = 1UL << 30, Page = 4096;

    private EduMapper? _target;
    private DmaBuffer? _buffer;
    private ulong[] _bitmap = [];

    [Params(1, 2, 4, 8, 16)]
    public int GiB { get; set; }

    private ulong Length => (ulong)GiB * GiBytes;

    private VfioContainer Container => (VfioContainer)_target!.Mapper;

    [GlobalSetup]
    public void Setup()
    {
        _buffer = DmaBuffer.Allocate((long)GiBytes);
        _target = EduMapper.Open(Type1Bench.Interface.Type1);
        for (var i = 0UL; i < (ulong)GiB; i++) _target.Mapper.Map(Base + i * GiBytes, _buffer.Address, GiBytes, DmaAccess.ReadWrite);
        Container.SetDirtyTracking(true);
        _bitmap = GC.AllocateArray<ulong>((int)DirtyBitmap.Words(Length, Page), pinned: true); // the C twin keeps its address
    }

    [Benchmark]
    public void ReadBitmap() =>
        Expect.Ok(Container.TryReadDirtyBitmap(Base, Length, Page, _bitmap, keepDirty: false, out var errno), errno, "VFIO_IOMMU_DIRTY_PAGES");

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_target is not null)
        {
            Container.SetDirtyTracking(false);
            _target.Mapper.Unmap(Base, Length);
            _target.Dispose();
        }
        _buffer?.Dispose();
        (_target, _buffer) = (null, null);
    }

    /// <summary>Each size against the C loop on the same container in interleaved rounds, and the pages reported dirty
    /// (all of them: the check that both sides read the whole range).</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var gib in new[] { 1, 2, 4, 8, 16 })
        {
            GiB = gib;
            Setup();
            try
            {
                ReadBitmap();
                var key = CaseKey.Of(this, nameof(ReadBitmap)).Text;
                yield return (key + "/dirty-pages", DirtyBitmap.CountDirty(_bitmap));
                if (!CBaselines.Available) continue;
                var c = CBaselines.Type1DirtyLoop(Container, Base, Length, _bitmap);
                foreach (var figure in Interleaved.Compare(key, c, CBaselines.Repeat(ReadBitmap))) yield return figure;
            }
            finally
            {
                Cleanup();
            }
        }
    }
}
