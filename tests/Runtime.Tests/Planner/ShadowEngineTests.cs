using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The shadow engine's mirroring logic against a recording mapper (a stand-in named as such: the same engine
/// runs against the real IOAS and the edu device in the VM tier, ShadowDmaTests). Guest memory and the guest's
/// page tables are real memory written the way a guest kernel writes them.</summary>
public sealed class ShadowEngineTests : IDisposable
{
    private const ulong RamGpa = 0x4000_0000, TablePool = RamGpa + (4 << 20);
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(8 << 20);
    private readonly GuestMemory _memory;
    private readonly GuestPageTableBuilder _guest;
    private readonly RecordingMapper _ioas = new();
    private readonly ShadowEngine _engine;

    public ShadowEngineTests()
    {
        _memory = new GuestMemory().Add(RamGpa, _ram);
        _guest = new GuestPageTableBuilder(_memory, TablePool, 1 << 20, levels: 4);
        _engine = new ShadowEngine(_ioas, _memory, _guest.RootGpa, 4);
    }

    public void Dispose() => _ram.Dispose();

    /// <summary>Records map/unmap calls and keeps the resulting mappings, like an IOAS would (areas cannot be cut).</summary>
    private sealed class RecordingMapper : IDmaMapper
    {
        public readonly List<string> Calls = [];
        public readonly SortedDictionary<ulong, (nint Host, ulong Length, DmaAccess Access)> Areas = new();
        public string MapOperation => "map";
        public string UnmapOperation => "unmap";

        public int TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access)
        {
            Calls.Add($"map 0x{iova:x}+0x{length:x} {access}");
            if (Areas.Any(a => a.Key < iova + length && iova < a.Key + a.Value.Length)) return Errno.EEXIST;
            Areas[iova] = (userAddress, length, access);
            return 0;
        }

        public int TryUnmap(ulong iova, ulong length, out ulong unmapped)
        {
            Calls.Add($"unmap 0x{iova:x}+0x{length:x}");
            var inside = Areas.Where(a => a.Key >= iova && a.Key + a.Value.Length <= iova + length).ToList();
            unmapped = (ulong)inside.Sum(a => (long)a.Value.Length);
            foreach (var a in inside) Areas.Remove(a.Key);
            return inside.Count == 0 ? Errno.ENOENT : 0;
        }
    }

    [Fact]
    public void A_contiguous_guest_mapping_of_64_pages_becomes_one_map_ioctl()
    {
        _guest.Map(0x10_0000, RamGpa, 64 * 4096, DmaAccess.ReadWrite);
        _engine.Invalidate(0x10_0000, 64 * 4096);

        Assert.Equal(["map 0x100000+0x40000 ReadWrite"], _ioas.Calls);
        Assert.Equal(_ram.Address, _ioas.Areas[0x10_0000].Host);
    }

    [Fact]
    public void Scattered_guest_pages_become_one_ioctl_per_contiguous_run()
    {
        for (ulong i = 0; i < 8; i++) _guest.Map(0x20_0000 + i * 4096, RamGpa + i * 2 * 4096, 4096, DmaAccess.Read); // host side not contiguous
        _guest.Map(0x30_0000, RamGpa + 0x10_0000, 4 * 4096, DmaAccess.Read);                                      // one run of 4
        _engine.InvalidateAll();

        Assert.Equal(9, _engine.Stats.MapIoctls);
    }

    [Fact]
    public void Unmapping_a_page_in_the_middle_unmaps_its_area_and_remaps_the_rest_before_returning()
    {
        _guest.Map(0x10_0000, RamGpa, 16 * 4096, DmaAccess.ReadWrite);
        _engine.Invalidate(0x10_0000, 16 * 4096);
        _ioas.Calls.Clear();

        _guest.Unmap(0x10_0000 + 5 * 4096, 4096);
        _engine.Invalidate(0x10_0000 + 5 * 4096, 4096);

        Assert.Equal(["unmap 0x100000+0x10000", "map 0x100000+0x5000 ReadWrite", "map 0x106000+0xa000 ReadWrite"], _ioas.Calls);
        Assert.DoesNotContain(_ioas.Areas, a => a.Key <= 0x105000 && 0x105000 < a.Key + a.Value.Length);
    }

    [Fact]
    public void A_permission_change_replaces_the_area()
    {
        _guest.Map(0x10_0000, RamGpa, 4 * 4096, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _guest.Map(0x10_0000, RamGpa, 4 * 4096, DmaAccess.Read);
        _engine.Invalidate(0x10_0000, 4096);

        Assert.Equal(DmaAccess.Read, _ioas.Areas[0x10_0000].Access);
    }

    [Fact]
    public void An_invalidation_that_changes_nothing_issues_no_ioctl()
    {
        _guest.Map(0x10_0000, RamGpa, 4 * 4096, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _ioas.Calls.Clear();

        _engine.InvalidateAll();
        _engine.Invalidate(0x10_0000, 4096);

        Assert.Empty(_ioas.Calls);
    }

    [Fact]
    public void Translations_to_memory_that_is_not_guest_RAM_are_not_mapped()
    {
        _guest.Map(0x10_0000, 0xfee0_0000, 4096, DmaAccess.Write); // an MSI window, not RAM
        _engine.InvalidateAll();

        Assert.Empty(_ioas.Areas);
        Assert.Equal(1, _engine.Stats.UnbackedPages);
    }
}
