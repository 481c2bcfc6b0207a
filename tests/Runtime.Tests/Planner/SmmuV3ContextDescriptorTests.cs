using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Where a shadowed SMMUv3 guest's tables are: the context descriptor the guest writes, read from guest RAM.</summary>
public sealed class SmmuV3ContextDescriptorTests : IDisposable
{
    private const ulong RamGpa = 0x4000_0000, Cd = RamGpa + 0x1000, Ttb0 = RamGpa + 0x2_0000;
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(1 << 20);
    private readonly GuestMemory _memory;

    public SmmuV3ContextDescriptorTests() => _memory = new GuestMemory().Add(RamGpa, _ram);

    public void Dispose() => _ram.Dispose();

    private GuestPageTable Read(ulong word0, ulong word1 = Ttb0)
    {
        _memory.WriteUInt64(Cd, word0);
        _memory.WriteUInt64(Cd + 8, word1);
        return SmmuV3ContextDescriptor.Read(_memory, Cd);
    }

    [Fact]
    public void A_CD_as_Linux_arm_smmu_v3_writes_it_names_4K_granule_48_bit_tables_at_TTB0()
    {
        // T0SZ 16, TG0 4K, IRGN0/ORGN0 write-back, SH0 inner, EPD1, V, IPS 44 bits, AA64, R, A, ASET, ASID 1
        var table = Read(0x0001_E204_C000_3510UL);

        Assert.Equal((GuestPageTableFormat.SmmuV3Stage1(4096), Ttb0, 48, 4), (table.Format, table.RootGpa, table.InputAddressWidth, table.Levels));
    }

    [Theory]
    [InlineData(4096, 48)]
    [InlineData(16384, 47)]
    [InlineData(65536, 42)]
    public void What_a_CD_encodes_reads_back(ulong granule, int width)
    {
        var written = new GuestPageTable(GuestPageTableFormat.SmmuV3Stage1(granule), Ttb0, width);
        var (word0, word1) = SmmuV3ContextDescriptor.Encode(written);

        Assert.Equal(written, Read(word0, word1));
    }

    [Theory]
    [InlineData(0x0000_0200_4000_0010UL, "V=0, the CD is not valid")]
    [InlineData(0x0000_0000_C000_0010UL, "AA64=0: AArch32 (LPAE) tables are not walked")]
    [InlineData(0x0000_0200_C000_8010UL, "ENDI=1: big-endian tables are not walked")]
    [InlineData(0x0000_0200_C000_4010UL, "EPD0=1, TTB0 walks are disabled")]
    [InlineData(0x0000_0200_C000_00d0UL, "TG0=3 is reserved")]
    [InlineData(0x0000_0200_C000_000cUL, "T0SZ=12 gives 52-bit IOVAs; SMMUv3 stage-1 VMSAv8-64 tables, 4 KiB granule translate at most 48")]
    public void A_CD_the_engine_cannot_follow_is_refused_naming_the_field(ulong word0, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(word0));
        Assert.Equal($"SMMUv3 CD at GPA 0x{Cd:x}: {problem}", e.Message);
    }

    [Fact]
    public void A_VTd_table_has_no_CD() =>
        Assert.Throws<ArgumentException>(() => SmmuV3ContextDescriptor.Encode(new GuestPageTable(GuestPageTableFormat.VtdSecondStage, Ttb0, 48)));
}
