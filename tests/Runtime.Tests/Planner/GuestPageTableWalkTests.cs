using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The walk the shadow engine maps from (<see cref="GuestPageTable.WalkRuns"/>): translations contiguous in
/// IOVA and guest-physical address with the same access come back as one run, and nothing else is merged; and the
/// simulated guest's refusal of pages its format cannot address. Tables are
/// real memory written by the simulated guest; every test runs once per table format.</summary>
public abstract class GuestPageTableWalkTests : IDisposable
{
    private const ulong RamGpa = 0x4000_0000, Target = 0x1_0000_0000; // translations point past RAM: the walk does not look there
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(1 << 20);
    private readonly GuestMemory _memory;
    private readonly GuestPageTableBuilder _guest;
    private readonly List<GuestMapping> _result = [];
    private readonly ulong _page;

    private protected GuestPageTableWalkTests(GuestPageTableFormat format)
    {
        _memory = new GuestMemory().Add(RamGpa, _ram);
        _guest = new GuestPageTableBuilder(_memory, RamGpa, 1 << 20, format, inputAddressWidth: 48);
        _page = format.Granule;
    }

    public sealed class VtdSecondStage() : GuestPageTableWalkTests(GuestPageTableFormat.VtdSecondStage);
    public sealed class SmmuV3Stage1Granule4K() : GuestPageTableWalkTests(GuestPageTableFormat.SmmuV3Stage1(4096));
    public sealed class SmmuV3Stage1Granule64K() : GuestPageTableWalkTests(GuestPageTableFormat.SmmuV3Stage1(65536));

    public void Dispose() => _ram.Dispose();

    private List<GuestMapping> Runs()
    {
        _guest.Table.WalkRuns(_memory, 0, 0, _result);
        return _result;
    }

    [Fact]
    public void Pages_contiguous_across_two_leaf_tables_are_one_run_and_an_access_or_address_change_starts_another()
    {
        var boundary = _guest.Table.Format.EntrySpan(2); // where the second leaf table starts
        var first = boundary - 2 * _page;
        _guest.Map(first, Target, 4 * _page, DmaAccess.ReadWrite);
        _guest.Map(first + 4 * _page, Target + 4 * _page, _page, DmaAccess.Read);      // contiguous, other access
        _guest.Map(first + 5 * _page, Target + 6 * _page, _page, DmaAccess.Read);      // same access, a GPA gap
        _guest.Map(first + 7 * _page, Target + 7 * _page, _page, DmaAccess.Read);      // GPA contiguous, an IOVA gap

        Assert.Equal(
            [
                new GuestMapping(first, Target, 4 * _page, DmaAccess.ReadWrite),
                new GuestMapping(first + 4 * _page, Target + 4 * _page, _page, DmaAccess.Read),
                new GuestMapping(first + 5 * _page, Target + 6 * _page, _page, DmaAccess.Read),
                new GuestMapping(first + 7 * _page, Target + 7 * _page, _page, DmaAccess.Read),
            ], Runs());
        Assert.Equal(7, _guest.Table.Walk(_memory, 0, 0).Count); // the plain walk: one per page
    }

    [Fact]
    public void Contiguous_large_pages_are_one_run_and_continue_into_small_pages()
    {
        var large = _guest.Table.Format.EntrySpan(2);
        _guest.Map(2 * large, Target, 2 * large, DmaAccess.ReadWrite, pageSize: large);
        _guest.Map(4 * large, Target + 2 * large, 3 * _page, DmaAccess.ReadWrite);

        Assert.Equal([new GuestMapping(2 * large, Target, 2 * large + 3 * _page, DmaAccess.ReadWrite)], Runs());
    }

    [Fact]
    public void A_leaf_whose_entry_is_its_neighbour_plus_a_page_only_through_a_carry_out_of_the_address_starts_a_run()
    {
        // The highest page the format addresses, then an entry one page higher: the address wraps to 0 and the carry
        // lands in a bit outside it (VT-d: 52, SMMUv3: 48), which the walk must not take for the next page.
        var format = _guest.Table.Format;
        var top = format.Address(ulong.MaxValue);
        _guest.Map(0, Target, 2 * _page, DmaAccess.ReadWrite);
        var slot = LeafSlot(0);
        var highest = (_memory.ReadUInt64(slot) & ~format.AddressMask) | top;
        _memory.WriteUInt64(slot, highest);
        _memory.WriteUInt64(slot + 8, highest + _page);

        Assert.Equal([new GuestMapping(0, top, _page, DmaAccess.ReadWrite), new GuestMapping(_page, 0, _page, DmaAccess.ReadWrite)], Runs());
    }

    [Fact]
    public void The_simulated_guest_refuses_pages_past_the_highest_address_its_format_states()
    {
        var lastPage = _guest.Table.Format.AddressMask;
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => _guest.Map(0, lastPage, 2 * _page, DmaAccess.ReadWrite));

        Assert.Contains($"0x{lastPage + _page - 1:x}", refused.Message);
        Assert.Empty(Runs()); // nothing written
        _guest.Map(0, lastPage, _page, DmaAccess.ReadWrite);
        Assert.Equal([new GuestMapping(0, lastPage, _page, DmaAccess.ReadWrite)], Runs());
    }

    /// <summary>Where the leaf entry of <paramref name="iova"/> sits.</summary>
    private ulong LeafSlot(ulong iova)
    {
        var format = _guest.Table.Format;
        var table = _guest.Table.RootGpa;
        for (var level = _guest.Table.Levels; level > 1; level--) table = format.Address(_memory.ReadUInt64(format.SlotOf(table, iova, level)));
        return format.SlotOf(table, iova, 1);
    }
}
