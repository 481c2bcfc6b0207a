using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Tests.DriverKit;

/// <summary>DmaSpace against a reference model, over the recording stand-in for an IOAS (the host has no /dev/iommu):
/// random persistent maps, acquires and releases of real buffers, with and without the reuse cache. After each step the
/// stand-in's areas are exactly the space's mappings, every live lease translates to the IOVA it was given, and no mapping
/// lies in the reserved window.</summary>
public sealed class DmaSpacePropertyTests
{
    private static readonly IovaRange[] Usable = [new(0x1000, 0xfedfffff), new(0xfef00000, 0xffffffffffff)];

    [Theory]
    [InlineData(1, 0, IovaMode.Allocated)]
    [InlineData(2, 4, IovaMode.Allocated)]
    [InlineData(3, 4, IovaMode.Identity)]
    [InlineData(4, 64, IovaMode.Allocated)]
    public void Random_map_acquire_release_sequences_match_the_model(int seed, int cache, IovaMode mode)
    {
        var random = new Random(seed);
        var mapper = new RecordingMapper();
        using var space = new DmaSpace(mapper, Usable, 0x1000, mode, cache);
        var buffers = Enumerable.Range(0, 12).Select(_ => DmaBuffer.Allocate(random.Next(1, 5) * 0x1000)).ToArray();
        var persistent = new HashSet<DmaBuffer>();
        var leases = new List<(DmaBuffer Buffer, DmaLease Lease)>();
        try
        {
            for (var step = 0; step < 1500; step++)
            {
                var buffer = buffers[random.Next(buffers.Length)];
                switch (random.Next(4))
                {
                    case 0 when !persistent.Contains(buffer) && !leases.Any(l => l.Buffer == buffer):
                        space.DropCache(); // a cached ephemeral mapping of it would overlap
                        space.Map(buffer, DmaAccess.ReadWrite);
                        persistent.Add(buffer);
                        break;
                    case 1 when persistent.Contains(buffer) && !leases.Any(l => l.Buffer == buffer):
                        space.Unmap(buffer);
                        persistent.Remove(buffer);
                        break;
                    case 2:
                        var offset = random.Next((int)buffer.Length - 1);
                        var length = random.Next(1, (int)buffer.Length - offset + 1);
                        // a cached read-only mapping asked for write is remapped with both; in-flight ones always cover Read
                        var access = leases.Any(l => l.Buffer == buffer) || persistent.Contains(buffer) ? DmaAccess.Read : random.Next(2) == 0 ? DmaAccess.Read : DmaAccess.ReadWrite;
                        leases.Add((buffer, space.Acquire(buffer, offset, length, access)));
                        break;
                    case 3 when leases.Count > 0:
                        var index = random.Next(leases.Count);
                        space.Release(leases[index].Lease);
                        leases.RemoveAt(index);
                        break;
                }
                Check(space, mapper, persistent, leases, cache, mode);
            }
        }
        finally
        {
            space.Dispose();
            Assert.Empty(mapper.Areas);
            Assert.All(buffers, b => Assert.Equal(0, b.Mappings));
            foreach (var b in buffers) b.Dispose();
        }
    }

    private static void Check(DmaSpace space, RecordingMapper mapper, HashSet<DmaBuffer> persistent, List<(DmaBuffer Buffer, DmaLease Lease)> leases, int cache, IovaMode mode)
    {
        Assert.Equal(mapper.Areas.Count, space.Mappings);
        foreach (var (iova, area) in mapper.Areas)
        {
            Assert.False(iova + area.Length > 0xfee00000 && iova <= 0xfeefffff, $"mapping at 0x{iova:x} in the reserved window");
            if (mode == IovaMode.Identity) Assert.Equal((ulong)area.Host, iova);
            Assert.True(space.TryTranslate(area.Host, area.Length, out var translated));
            Assert.Equal(iova, translated);
        }
        foreach (var buffer in persistent) Assert.True(space.TryTranslate(buffer.Address, (ulong)buffer.Length, out _));
        foreach (var (_, lease) in leases)
        {
            Assert.True(space.TryTranslate(lease.Address, lease.Length, out var iova));
            Assert.Equal(lease.Iova, iova);
        }
        var idle = space.Mappings - persistent.Count - leases.Select(l => l.Buffer).Where(b => !persistent.Contains(b)).Distinct().Count();
        Assert.InRange(idle, 0, cache); // what is neither persistent nor in flight is the cache, never more than its capacity
    }

    [Fact]
    public void A_mapping_with_an_IO_in_flight_cannot_be_unmapped_and_its_buffer_is_not_freed()
    {
        var mapper = new RecordingMapper();
        using var space = new DmaSpace(mapper, Usable, 0x1000);
        var buffer = DmaBuffer.Allocate(0x2000);
        space.Map(buffer, DmaAccess.ReadWrite);
        var lease = space.Acquire(buffer, 0x800, 0x1000, DmaAccess.Write);
        var error = Assert.Throws<InvalidOperationException>(() => space.Unmap(buffer));
        Assert.Contains("1 I/O in flight", error.Message);
        buffer.Dispose();
        Assert.True(buffer.IsFreePending); // the device may still write there
        space.Release(lease);
        space.Unmap(buffer);
        Assert.False(buffer.IsFreePending);
        Assert.Empty(mapper.Areas);
    }

    [Fact]
    public void An_ephemeral_buffer_disposed_during_its_IO_is_freed_at_release()
    {
        var mapper = new RecordingMapper();
        using var space = new DmaSpace(mapper, Usable, 0x1000);
        var buffer = DmaBuffer.Allocate(0x1000);
        var lease = space.Acquire(buffer, 0, 0x1000, DmaAccess.Write);
        buffer.Dispose();
        Assert.True(buffer.IsFreePending);
        space.Release(lease);
        Assert.False(buffer.IsFreePending);
        Assert.Empty(mapper.Areas);
    }

    [Fact]
    public void The_cache_serves_a_hot_buffer_without_mapping_it_again_and_evicts_the_least_recently_used()
    {
        var mapper = new RecordingMapper();
        using var space = new DmaSpace(mapper, Usable, 0x1000, cacheCapacity: 2);
        using var a = DmaBuffer.Allocate(0x1000);
        using var b = DmaBuffer.Allocate(0x1000);
        using var c = DmaBuffer.Allocate(0x1000);
        foreach (var buffer in new[] { a, a, a, b, a, c, a })
        {
            space.Release(space.Acquire(buffer, 0, 0x1000, DmaAccess.Read));
        }
        var stats = space.Statistics;
        Assert.Equal(7, stats.Acquires);
        Assert.Equal(3, stats.Maps); // a, b, c once each
        Assert.Equal(4, stats.Hits);
        Assert.Equal(1, stats.Unmaps); // b, least recently used when c came
        Assert.False(space.TryTranslate(b.Address, 1, out _));
        space.DropCache();
        Assert.Empty(mapper.Areas);
    }

    [Fact]
    public void A_failed_ephemeral_map_leaves_no_mapping_no_allocation_and_no_buffer_reference()
    {
        var mapper = new RecordingMapper { FailMap = (_, _) => Linux.Iommu.Errno.ENOMEM };
        using var space = new DmaSpace(mapper, Usable, 0x1000);
        using var buffer = DmaBuffer.Allocate(0x1000);
        var free = space.FreeRanges;
        var error = Assert.Throws<Linux.Iommu.IommuException>(() => space.Acquire(buffer, 0, 0x1000, DmaAccess.Read));
        Assert.Equal("map", error.Operation);
        Assert.Equal(0, space.Mappings);
        Assert.Equal(free, space.FreeRanges);
        Assert.Equal(0, buffer.Mappings);
    }

    [Fact]
    public void Release_twice_and_unmapping_an_ephemeral_mapping_are_refused()
    {
        using var space = new DmaSpace(new RecordingMapper(), Usable, 0x1000, cacheCapacity: 1);
        using var buffer = DmaBuffer.Allocate(0x1000);
        var lease = space.Acquire(buffer, 0, 16, DmaAccess.Read);
        Assert.Contains("ephemeral", Assert.Throws<InvalidOperationException>(() => space.Unmap(buffer)).Message);
        space.Release(lease);
        Assert.Contains("released twice", Assert.Throws<InvalidOperationException>(() => space.Release(lease)).Message);
    }

    [Fact]
    public void Identity_mode_refuses_an_address_outside_the_usable_ranges()
    {
        using var space = new DmaSpace(new RecordingMapper(), [new IovaRange(0, (1UL << 39) - 1)], 0x1000, IovaMode.Identity);
        using var buffer = DmaBuffer.Allocate(0x1000);
        Assert.True((ulong)buffer.Address >= 1UL << 39, $"mmap gave 0x{buffer.Address:x}, below 2^39: the case needs an address above"); // x86-64 and arm64 mmap near the top of 47/48 bits
        Assert.Contains("identity IOVA", Assert.Throws<InvalidOperationException>(() => space.Map(buffer, DmaAccess.Read)).Message);
    }
}
