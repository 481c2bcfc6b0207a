using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The entry encodings the shadow engine reads, checked bit for bit against the architectures (and the
/// values Linux's drivers write), and the entries that must translate nothing.</summary>
public sealed class GuestPageTableFormatTests : IDisposable
{
    private const ulong RamGpa = 0x4000_0000, Pool = RamGpa + (1 << 20);
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(2 << 20);
    private readonly GuestMemory _memory;

    public GuestPageTableFormatTests() => _memory = new GuestMemory().Add(RamGpa, _ram);

    public void Dispose() => _ram.Dispose();

    private static readonly GuestPageTableFormat Smmu4K = GuestPageTableFormat.SmmuV3Stage1(4096);

    [Fact]
    public void An_SMMUv3_stage1_page_is_encoded_as_Linux_io_pgtable_arm_writes_it()
    {
        // Linux io-pgtable-arm.c, stage 1: ARM_LPAE_PTE_TYPE_PAGE (3) | AP_UNPRIV (1 << 6) | SH_IS (3 << 8) | AF (1 << 10),
        // AP_RDONLY (1 << 7) without IOMMU_WRITE.
        Assert.Equal(0x8000_3743UL, Smmu4K.LeafEntry(0x8000_3000, DmaAccess.ReadWrite, 1));
        Assert.Equal(0x8000_37c3UL, Smmu4K.LeafEntry(0x8000_3000, DmaAccess.Read, 1));
        Assert.Equal(0x8020_0741UL, Smmu4K.LeafEntry(0x8020_0000, DmaAccess.ReadWrite, 2)); // a 2 MiB block: type 0b01
        Assert.Equal(0x8000_4003UL, Smmu4K.TableEntry(0x8000_4000));
    }

    [Fact]
    public void A_VTd_second_stage_entry_is_encoded_as_the_VTd_spec_states()
    {
        var vtd = GuestPageTableFormat.VtdSecondStage;
        Assert.Equal(0x8000_3003UL, vtd.LeafEntry(0x8000_3000, DmaAccess.ReadWrite, 1));
        Assert.Equal(0x8000_3002UL, vtd.LeafEntry(0x8000_3000, DmaAccess.Write, 1));
        Assert.Equal(0x8020_0081UL, vtd.LeafEntry(0x8020_0000, DmaAccess.Read, 2)); // PS: a 2 MiB page
    }

    [Fact]
    public void SMMUv3_stage1_tables_cannot_grant_writes_without_reads()
    {
        var e = Assert.Throws<ArgumentException>(() => Smmu4K.LeafEntry(0x8000_3000, DmaAccess.Write, 1));
        Assert.StartsWith("SMMUv3 stage-1 VMSAv8-64 tables, 4 KiB granule cannot grant writes without reads", e.Message);
    }

    [Theory]
    [InlineData(12, 39, 3)]
    [InlineData(12, 48, 4)]
    [InlineData(14, 48, 4)]
    [InlineData(16, 48, 3)]
    [InlineData(16, 42, 2)]
    public void Levels_follow_the_granule_and_the_input_width(int granuleShift, int width, int levels) =>
        Assert.Equal(levels, GuestPageTableFormat.SmmuV3Stage1(1UL << granuleShift).Levels(width));

    [Fact]
    public void A_width_the_format_cannot_translate_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Smmu4K.Levels(52));
        Assert.StartsWith("SMMUv3 stage-1 VMSAv8-64 tables, 4 KiB granule translates 13..48-bit IOVAs, not 52", e.Message);
    }

    [Fact]
    public void A_shadow_engine_refuses_a_table_its_format_cannot_translate_when_given_it()
    {
        var engine = new ShadowEngine(new RecordingMapper(), _memory, new GuestPageTable(Smmu4K, Pool, 48));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Table = new GuestPageTable(Smmu4K, Pool, 52));
        Assert.Equal(48, engine.Table.InputAddressWidth);
    }

    /// <summary>Builds one 4 KiB page at IOVA 0 with <paramref name="format"/>, lets <paramref name="edit"/> change an
    /// entry (level, slot address) and returns what the walk sees.</summary>
    private List<GuestMapping> WalkAfter(GuestPageTableFormat format, int width, Func<int, ulong, ulong, ulong> edit)
    {
        var guest = new GuestPageTableBuilder(_memory, Pool, 1 << 20, format, width);
        guest.Map(0, RamGpa, format.Granule, DmaAccess.ReadWrite);
        var table = guest.Table.RootGpa;
        for (var level = guest.Table.Levels; level >= 1; level--)
        {
            var entry = _memory.ReadUInt64(table);
            _memory.WriteUInt64(table, edit(level, table, entry));
            table = entry & 0x0000_FFFF_FFFF_F000UL & ~(format.Granule - 1);
        }
        return guest.Table.Walk(_memory, 0, 0);
    }

    [Fact]
    public void An_SMMUv3_leaf_with_the_access_flag_clear_translates_nothing() =>
        Assert.Empty(WalkAfter(Smmu4K, 48, (level, _, entry) => level == 1 ? entry & ~(1UL << 10) : entry));

    [Fact]
    public void An_SMMUv3_last_level_entry_typed_as_a_block_is_reserved_and_translates_nothing() =>
        Assert.Empty(WalkAfter(Smmu4K, 48, (level, _, entry) => level == 1 ? entry & ~(1UL << 1) : entry));

    [Fact]
    public void SMMUv3_APTable1_makes_everything_below_read_only() =>
        Assert.Equal(DmaAccess.Read, Assert.Single(WalkAfter(Smmu4K, 48, (level, _, entry) => level == 3 ? entry | 1UL << 62 : entry)).Access);

    [Fact]
    public void A_VTd_table_entry_without_W_makes_everything_below_read_only() =>
        Assert.Equal(DmaAccess.Read, Assert.Single(WalkAfter(GuestPageTableFormat.VtdSecondStage, 48, (level, _, entry) => level == 2 ? entry & ~2UL : entry)).Access);

    [Fact]
    public void Nothing_past_a_small_top_table_is_read()
    {
        // 16 KiB granule, 48-bit IOVA: the top table has two entries; a stray valid entry right after them is no table.
        var format = GuestPageTableFormat.SmmuV3Stage1(16384);
        var mappings = WalkAfter(format, 48, (level, slot, entry) =>
        {
            if (level == 4) _memory.WriteUInt64(slot + 16, entry);
            return entry;
        });
        Assert.Equal(0UL, Assert.Single(mappings).Iova);
    }

    [Fact]
    public void A_spec_maps_to_the_format_its_guest_writes_or_to_null_naming_the_tables_not_walked()
    {
        var vtd = new GuestViommuSpec(new IntelVtdModel(), 48, [4096], []);
        var smmu64K = new GuestViommuSpec(new ArmSmmuV3Model(Granule64K: true), 48, [65536], []);
        var aarch32 = smmu64K with { Model = new ArmSmmuV3Model(Aarch64Tables: false) };
        var amd = new GuestViommuSpec(new AmdViModel(), 48, [4096], []);

        Assert.Same(GuestPageTableFormat.VtdSecondStage, GuestPageTableFormat.For(vtd, out _));
        Assert.Same(GuestPageTableFormat.SmmuV3Stage1(65536), GuestPageTableFormat.For(smmu64K, out _));
        Assert.Null(GuestPageTableFormat.For(aarch32, out var why32));
        Assert.Equal("SMMUv3 AArch32 (LPAE) stage-1 tables", why32);
        Assert.Null(GuestPageTableFormat.For(amd, out var whyAmd));
        Assert.Equal("AMD-Vi v1 page tables", whyAmd);
    }
}
