using Iommu.Tests.Shared;
using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Tests.DriverKit;

/// <summary>0 B of managed memory per operation after warm-up, measured on this thread (GC.GetAllocatedBytesForCurrentThread),
/// over <see cref="AcceptingMapper"/>, a stand-in that itself allocates nothing (the host has no IOAS).</summary>
public sealed class DmaSpaceAllocationTests
{
    private static long AllocatedBy(Action action, int rounds)
    {
        action(); // warm-up: JIT, tables grown to the working set
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Acquire_and_release_allocate_nothing_after_warm_up(int cache)
    {
        using var space = new DmaSpace(new AcceptingMapper(), [new IovaRange(0x1000, 0xffffffffff)], 0x1000, cacheCapacity: cache);
        var buffers = Enumerable.Range(0, 16).Select(_ => DmaBuffer.Allocate(0x1000)).ToArray();
        var leases = new DmaLease[buffers.Length];
        try
        {
            var bytes = AllocatedBy(() =>
            {
                for (var i = 0; i < buffers.Length; i++) leases[i] = space.Acquire(buffers[i], 0, 0x1000, DmaAccess.ReadWrite);
                for (var i = 0; i < buffers.Length; i++) space.Release(leases[i]);
            }, 100);
            Assert.Equal(0, bytes);
            Assert.True(space.Statistics.Maps > (cache == 0 ? 1600 : 0), $"{space.Statistics}");
        }
        finally
        {
            space.Dispose();
            foreach (var b in buffers) b.Dispose();
        }
    }

    [Fact]
    public void Translate_allocates_nothing()
    {
        using var space = new DmaSpace(new AcceptingMapper(), [new IovaRange(0x1000, 0xffffffffff)], 0x1000);
        using var buffer = DmaBuffer.Allocate(0x10000);
        space.Map(buffer, DmaAccess.ReadWrite);
        ulong sum = 0;
        var bytes = AllocatedBy(() =>
        {
            for (var offset = 0; offset < 0x10000; offset += 0x1000)
            {
                Assert.True(space.TryTranslate(buffer.Address + offset, 0x1000, out var iova));
                sum += iova;
            }
        }, 100);
        Assert.Equal(0, bytes);
        Assert.NotEqual(0UL, sum);
        space.Unmap(buffer);
    }
}
