using Iommu.Tests.Shared;
using Linux.Iommu.Native;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The shadow engine's mirroring logic against a recording mapper (a stand-in named as such: the same engine
/// runs against the real IOAS and the edu device in the VM tier, ShadowDmaTests). Guest memory and the guest's
/// page tables are real memory written the way a guest kernel writes them; every test runs once per table format.</summary>
public abstract class ShadowEngineTests : IDisposable
{
    private const ulong RamGpa = 0x4000_0000, TablePool = RamGpa + (8 << 20);
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(16 << 20);
    private readonly GuestMemory _memory;
    private readonly GuestPageTableBuilder _guest;
    private readonly RecordingMapper _ioas = new();
    private readonly ShadowEngine _engine;
    private readonly ulong _page;

    private protected ShadowEngineTests(GuestPageTableFormat format)
    {
        _memory = new GuestMemory().Add(RamGpa, _ram);
        _guest = new GuestPageTableBuilder(_memory, TablePool, 8 << 20, format, inputAddressWidth: 48);
        _engine = new ShadowEngine(_ioas, _memory, _guest.Table);
        _page = format.Granule;
    }

    public sealed class VtdSecondStage() : ShadowEngineTests(GuestPageTableFormat.VtdSecondStage);
    public sealed class SmmuV3Stage1Granule4K() : ShadowEngineTests(GuestPageTableFormat.SmmuV3Stage1(4096));
    public sealed class SmmuV3Stage1Granule64K() : ShadowEngineTests(GuestPageTableFormat.SmmuV3Stage1(65536));

    public void Dispose() => _ram.Dispose();

    private const ulong Iova = 0x100_0000; // 16 MiB: aligned for every granule

    [Fact]
    public void A_contiguous_guest_mapping_of_64_pages_becomes_one_map_ioctl()
    {
        _guest.Map(Iova, RamGpa, 64 * _page, DmaAccess.ReadWrite);
        _engine.Invalidate(Iova, 64 * _page);

        Assert.Equal([$"map 0x{Iova:x}+0x{64 * _page:x} ReadWrite"], _ioas.Calls);
        Assert.Equal(_ram.Address, _ioas.Areas[Iova].Host);
    }

    [Fact]
    public void Scattered_guest_pages_become_one_ioctl_per_contiguous_run()
    {
        for (ulong i = 0; i < 8; i++) _guest.Map(Iova + i * _page, RamGpa + i * 2 * _page, _page, DmaAccess.Read); // host side not contiguous
        _guest.Map(Iova + 16 * _page, RamGpa + 32 * _page, 4 * _page, DmaAccess.Read);                              // one run of 4
        _engine.InvalidateAll();

        Assert.Equal(9, _engine.Stats.MapIoctls);
    }

    [Fact]
    public void Unmapping_a_page_in_the_middle_unmaps_its_area_and_remaps_the_rest_before_returning()
    {
        _guest.Map(Iova, RamGpa, 16 * _page, DmaAccess.ReadWrite);
        _engine.Invalidate(Iova, 16 * _page);
        _ioas.Calls.Clear();

        _guest.Unmap(Iova + 5 * _page, _page);
        _engine.Invalidate(Iova + 5 * _page, _page);

        Assert.Equal([$"unmap 0x{Iova:x}+0x{16 * _page:x}", $"map 0x{Iova:x}+0x{5 * _page:x} ReadWrite", $"map 0x{Iova + 6 * _page:x}+0x{10 * _page:x} ReadWrite"], _ioas.Calls);
        Assert.DoesNotContain(_ioas.Areas, a => a.Key <= Iova + 5 * _page && Iova + 5 * _page < a.Key + a.Value.Length);
    }

    [Fact]
    public void A_permission_change_replaces_the_area()
    {
        _guest.Map(Iova, RamGpa, 4 * _page, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _guest.Map(Iova, RamGpa, 4 * _page, DmaAccess.Read);
        _engine.Invalidate(Iova, _page);

        Assert.Equal(DmaAccess.Read, _ioas.Areas[Iova].Access);
    }

    [Fact]
    public void An_invalidation_that_changes_nothing_issues_no_ioctl()
    {
        _guest.Map(Iova, RamGpa, 4 * _page, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _ioas.Calls.Clear();

        _engine.InvalidateAll();
        _engine.Invalidate(Iova, _page);

        Assert.Empty(_ioas.Calls);
    }

    [Fact]
    public void Translations_to_memory_that_is_not_guest_RAM_are_not_mapped()
    {
        _guest.Map(Iova, 0xfee0_0000 & ~(_page - 1), _page, DmaAccess.ReadWrite); // an MSI window, not RAM
        _engine.InvalidateAll();

        Assert.Empty(_ioas.Areas);
        Assert.Equal(1, _engine.Stats.UnbackedPages);
    }

    [Fact]
    public void A_run_that_leaves_guest_RAM_is_mapped_up_to_its_end_and_the_rest_counted_unbacked()
    {
        var ramEnd = RamGpa + (ulong)_ram.Length;
        _guest.Map(Iova, ramEnd - 2 * _page, 5 * _page, DmaAccess.ReadWrite); // one run in guest-physical terms
        _engine.InvalidateAll();

        Assert.Equal([$"map 0x{Iova:x}+0x{2 * _page:x} ReadWrite"], _ioas.Calls);
        Assert.Equal(_ram.Address + (_ram.Length - (nint)(2 * _page)), _ioas.Areas[Iova].Host);
        Assert.Equal(3, _engine.Stats.UnbackedPages);
    }

    [Fact]
    public void A_run_across_two_RAM_regions_is_one_area_per_region()
    {
        using var more = DmaBuffer.Allocate(1 << 20);
        var ramEnd = RamGpa + (ulong)_ram.Length;
        _memory.Add(ramEnd, more);
        _guest.Map(Iova, ramEnd - 2 * _page, 4 * _page, DmaAccess.ReadWrite);
        _engine.InvalidateAll();

        Assert.Equal(_ram.Address + (_ram.Length - (nint)(2 * _page)), _ioas.Areas[Iova].Host);
        Assert.Equal(more.Address, _ioas.Areas[Iova + 2 * _page].Host);
        Assert.Equal(2, _engine.Stats.MapIoctls);
        Assert.Equal(0, _engine.Stats.UnbackedPages);
    }

    [Fact]
    public void A_permission_change_in_the_middle_of_a_run_splits_it()
    {
        _guest.Map(Iova, RamGpa, 8 * _page, DmaAccess.ReadWrite);
        _guest.Map(Iova + 3 * _page, RamGpa + 3 * _page, _page, DmaAccess.Read);
        _engine.InvalidateAll();

        Assert.Equal(
            [$"map 0x{Iova:x}+0x{3 * _page:x} ReadWrite", $"map 0x{Iova + 3 * _page:x}+0x{_page:x} Read", $"map 0x{Iova + 4 * _page:x}+0x{4 * _page:x} ReadWrite"],
            _ioas.Calls);
    }

    [Fact]
    public void A_large_page_is_clipped_to_a_partial_invalidation()
    {
        var large = _guest.Table.Format.EntrySpan(2); // 2 MiB with 4 KiB granules, 512 MiB with 64 KiB
        _guest.Map(large, RamGpa, large, DmaAccess.ReadWrite, pageSize: large);
        _engine.Invalidate(large + 4 * _page, 2 * _page);

        Assert.Equal([$"map 0x{large + 4 * _page:x}+0x{2 * _page:x} ReadWrite"], _ioas.Calls);
        Assert.Equal(_ram.Address + (nint)(4 * _page), _ioas.Areas[large + 4 * _page].Host);
    }

    [Fact]
    public void Areas_that_vanish_together_are_unmapped_with_one_ioctl_over_their_span()
    {
        for (ulong run = 0; run < 4; run++) _guest.Map(Iova + run * 4 * _page, RamGpa + run * 8 * _page, 2 * _page, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _ioas.Calls.Clear();

        for (ulong run = 0; run < 4; run++) _guest.Unmap(Iova + run * 4 * _page, 2 * _page);
        _engine.InvalidateAll();

        Assert.Equal([$"unmap 0x{Iova:x}+0x{14 * _page:x}"], _ioas.Calls);
        Assert.Empty(_ioas.Areas);
        Assert.Empty(_engine.Areas);
    }

    [Fact]
    public void An_area_kept_between_vanished_ones_splits_their_unmap()
    {
        for (ulong run = 0; run < 3; run++) _guest.Map(Iova + run * 4 * _page, RamGpa + run * 8 * _page, 2 * _page, DmaAccess.ReadWrite);
        _engine.InvalidateAll();
        _ioas.Calls.Clear();

        _guest.Unmap(Iova, 2 * _page);
        _guest.Unmap(Iova + 8 * _page, 2 * _page);
        _engine.InvalidateAll();

        Assert.Equal([$"unmap 0x{Iova:x}+0x{2 * _page:x}", $"unmap 0x{Iova + 8 * _page:x}+0x{2 * _page:x}"], _ioas.Calls);
        Assert.Equal([Iova + 4 * _page], _ioas.Areas.Keys);
        Assert.Equal([new ShadowEngine.Area(Iova + 4 * _page, _ram.Address + (nint)(8 * _page), 2 * _page, DmaAccess.ReadWrite)], _engine.Areas);
    }

    [Fact]
    public void A_warmed_up_invalidation_allocates_nothing()
    {
        var engine = new ShadowEngine(new AcceptingMapper(), _memory, _guest.Table);
        void Cycle()
        {
            for (ulong run = 0; run < 16; run++) _guest.Map(Iova + run * 8 * _page, RamGpa + run * 8 * _page, 4 * _page, DmaAccess.ReadWrite);
            engine.Invalidate(Iova, 128 * _page);
            _guest.Unmap(Iova + 8 * _page, 4 * _page);
            engine.Invalidate(Iova + 8 * _page, _page);
            for (ulong run = 0; run < 16; run++) _guest.Unmap(Iova + run * 8 * _page, 4 * _page);
            engine.Invalidate(Iova, 128 * _page);
        }
        Cycle();
        Cycle();

        var before = GC.GetAllocatedBytesForCurrentThread();
        Cycle();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        // a cycle: 16 runs mapped; one run gone (1 unmap); the other 15 gone together (1 unmap)
        Assert.Equal(new ShadowEngine.Statistics(Invalidations: 9, MapIoctls: 48, UnmapIoctls: 6, UnbackedPages: 0), engine.Stats);
    }
}
