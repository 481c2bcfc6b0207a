using System.Runtime.InteropServices;

namespace Linux.Iommu.Planner;

/// <summary>The guest's RAM as the VMM holds it: guest-physical ranges backed by <see cref="DmaBuffer"/>s. The shadow
/// engine reads guest page tables through it and maps guest pages by their host addresses.</summary>
public sealed class GuestMemory
{
    private readonly List<(ulong Gpa, DmaBuffer Buffer)> _regions = [];

    /// <summary>Adds RAM at guest-physical <paramref name="gpa"/>.</summary>
    public GuestMemory Add(ulong gpa, DmaBuffer buffer)
    {
        if (_regions.Any(r => gpa < r.Gpa + (ulong)r.Buffer.Length && r.Gpa < gpa + (ulong)buffer.Length))
            throw new ArgumentException($"guest RAM at 0x{gpa:x} overlaps an existing region", nameof(gpa));
        _regions.Add((gpa, buffer));
        return this;
    }

    /// <summary>The regions, by guest-physical address.</summary>
    public IReadOnlyList<(ulong Gpa, DmaBuffer Buffer)> Regions => _regions;

    /// <summary>The host address of [gpa, gpa + length) when it lies in one region; 0 otherwise (MMIO, a hole).</summary>
    public nint HostAddress(ulong gpa, ulong length)
    {
        foreach (ref readonly var region in CollectionsMarshal.AsSpan(_regions))
        {
            var offset = gpa - region.Gpa;
            var size = (ulong)region.Buffer.Length;
            if (gpa >= region.Gpa && offset <= size && length <= size - offset) return region.Buffer.Address + (nint)offset;
        }
        return 0;
    }

    /// <summary>A 64-bit little-endian word of guest RAM (a page-table entry).</summary>
    public unsafe ulong ReadUInt64(ulong gpa)
    {
        var host = HostAddress(gpa, 8);
        if (host == 0) throw new ArgumentOutOfRangeException(nameof(gpa), $"guest-physical 0x{gpa:x} is not guest RAM");
        return Volatile.Read(ref *(ulong*)host);
    }

    /// <summary>Writes a 64-bit word of guest RAM (what a simulated guest does to its page tables).</summary>
    public unsafe void WriteUInt64(ulong gpa, ulong value)
    {
        var host = HostAddress(gpa, 8);
        if (host == 0) throw new ArgumentOutOfRangeException(nameof(gpa), $"guest-physical 0x{gpa:x} is not guest RAM");
        Volatile.Write(ref *(ulong*)host, value);
    }
}
