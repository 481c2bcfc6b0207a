namespace Linux.Iommu.Planner;

/// <summary>The fields of an SMMUv3 stage-1 Context Descriptor (SMMUv3 architecture §5.4) that say where a guest's
/// TTB0 tables are and how to walk them: what a VMM shadowing a guest SMMUv3 reads when the guest issues
/// CMD_CFGI_CD, before re-walking everything under the new root. Word 0: T0SZ [5:0], TG0 [7:6], EPD0 [14],
/// ENDI [15], V [31], AA64 [41]; word 1: TTB0 [51:4].</summary>
public static class SmmuV3ContextDescriptor
{
    private const ulong Valid = 1UL << 31, Aarch64 = 1UL << 41, WalkDisabled0 = 1UL << 14, BigEndian = 1UL << 15;
    private const ulong Ttb0Mask = 0x000F_FFFF_FFFF_FFF0UL;

    /// <summary>The guest page table the CD at <paramref name="cdGpa"/> names.</summary>
    /// <exception cref="InvalidDataException">The CD translates nothing through TTB0 or asks for what the shadow
    /// engine does not walk; the message names the field.</exception>
    public static GuestPageTable Read(GuestMemory memory, ulong cdGpa)
    {
        var word0 = memory.ReadUInt64(cdGpa);
        var ttb0 = memory.ReadUInt64(cdGpa + 8) & Ttb0Mask;
        string Where(string field) => $"SMMUv3 CD at GPA 0x{cdGpa:x}: {field}";
        if ((word0 & Valid) == 0) throw new InvalidDataException(Where("V=0, the CD is not valid"));
        if ((word0 & Aarch64) == 0) throw new InvalidDataException(Where("AA64=0: AArch32 (LPAE) tables are not walked"));
        if ((word0 & BigEndian) != 0) throw new InvalidDataException(Where("ENDI=1: big-endian tables are not walked"));
        if ((word0 & WalkDisabled0) != 0) throw new InvalidDataException(Where("EPD0=1, TTB0 walks are disabled"));
        var granule = ((word0 >> 6) & 3) switch
        {
            0 => 4096UL,
            1 => 65536UL,
            2 => 16384UL,
            _ => throw new InvalidDataException(Where("TG0=3 is reserved")),
        };
        var format = GuestPageTableFormat.SmmuV3Stage1(granule);
        var width = 64 - (int)(word0 & 0x3f);
        if (width <= format.GranuleShift || width > format.MaxInputAddressWidth)
            throw new InvalidDataException(Where($"T0SZ={64 - width} gives {width}-bit IOVAs; {format.Name} translate at most {format.MaxInputAddressWidth}"));
        if (ttb0 >> 48 != 0) throw new InvalidDataException(Where($"TTB0 0x{ttb0:x} is beyond a 48-bit output address"));
        return new GuestPageTable(format, ttb0, width);
    }

    /// <summary>The two words a guest driver writes for <paramref name="table"/> (valid, AArch64, TTB1 walks disabled),
    /// as Linux's arm-smmu-v3 does for a stage-1 domain; for simulated guests and tests.</summary>
    public static (ulong Word0, ulong Word1) Encode(GuestPageTable table)
    {
        const ulong WalkDisabled1 = 1UL << 30;
        if (table.Format is not SmmuV3Stage1Format) throw new ArgumentException($"{table.Format.Name} are no SMMUv3 stage-1 tables", nameof(table));
        var tg0 = table.Format.GranuleShift switch { 12 => 0UL, 16 => 1UL, _ => 2UL };
        return ((uint)(64 - table.InputAddressWidth) | tg0 << 6 | WalkDisabled1 | Valid | Aarch64, table.RootGpa & Ttb0Mask);
    }
}
