namespace Linux.Iommu.Planner;

/// <summary>One translation the guest's page tables state: guest IOVA → guest-physical, for a page of <see cref="Size"/>.</summary>
public readonly record struct GuestMapping(ulong Iova, ulong Gpa, ulong Size, DmaAccess Access);

/// <summary>The Intel VT-d second-stage page-table format (VT-d spec rev 4.x §9.8, "Second-Stage Paging Entries"):
/// 512 64-bit entries a 4 KiB table; bit 0 R, bit 1 W, bit 7 PS (a 2 MiB or 1 GiB page at levels 2 and 3), address
/// bits 51:12; 3 levels for a 39-bit, 4 for a 48-bit address width.</summary>
public static class VtdPageTable
{
    internal const ulong Read = 1UL << 0, Write = 1UL << 1, PageSize = 1UL << 7;
    internal const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;

    /// <summary>Table levels for an address width (39 → 3, 48 → 4, 57 → 5).</summary>
    public static int Levels(int addressWidth) => addressWidth switch
    {
        <= 39 => 3,
        <= 48 => 4,
        _ => 5,
    };

    /// <summary>Bytes one entry of <paramref name="level"/> covers (level 1: 4 KiB, 2: 2 MiB, 3: 1 GiB...).</summary>
    public static ulong EntrySpan(int level) => 1UL << (12 + 9 * (level - 1));

    /// <summary>Every present translation inside [start, start + length), in IOVA order, read from guest memory.
    /// A large page that straddles the range is returned whole (the caller clips).</summary>
    public static List<GuestMapping> Walk(GuestMemory memory, ulong rootGpa, int levels, ulong start, ulong length)
    {
        var result = new List<GuestMapping>();
        var end = length == 0 ? start : start + (length - 1); // inclusive, so a range up to 2^64 - 1 fits
        Walk(memory, rootGpa, levels, 0, start, end, result);
        return result;
    }

    private static void Walk(GuestMemory memory, ulong tableGpa, int level, ulong baseIova, ulong start, ulong end, List<GuestMapping> result)
    {
        var span = EntrySpan(level);
        var first = start > baseIova ? (int)((start - baseIova) / span) : 0;
        for (var index = first; index < 512; index++)
        {
            var iova = baseIova + (ulong)index * span;
            if (iova > end || (index > 0 && iova == 0)) break; // past the range (or wrapped)
            var entry = memory.ReadUInt64(tableGpa + (ulong)index * 8);
            if ((entry & (Read | Write)) == 0) continue; // not present
            var access = ((entry & Read) != 0 ? DmaAccess.Read : 0) | ((entry & Write) != 0 ? DmaAccess.Write : 0);
            if (level == 1 || (entry & PageSize) != 0)
            {
                result.Add(new GuestMapping(iova, entry & AddressMask & ~(span - 1), span, access));
                continue;
            }
            Walk(memory, entry & AddressMask, level - 1, iova, start, end, result);
        }
    }
}
