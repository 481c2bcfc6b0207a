using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Demo;

/// <summary>A guest maps one page at a guest IOVA; the edu device writes through it (the shadow engine mapping into the
/// plan's shadow target: an IOAS, or a type1 container); the guest unmaps and invalidates; the same write faults.</summary>
internal static class ShadowDma
{
    public static bool Run(IDmaMapper mapper, VfioDevice device, GuestViommuSpec spec)
    {
        const ulong RamGpa = 0x8000_0000, SourceIova = 0x0100_0000, TargetIova = 0x0123_4000;
        const int Length = QemuEduDevice.MaxTransfer;
        device.EnablePciBusMastering();
        using var bar0 = device.MapRegion(0);
        var edu = new QemuEduDevice(bar0);
        using var ram = DmaBuffer.Allocate(4 << 20);
        var memory = new GuestMemory().Add(RamGpa, ram);
        var format = GuestPageTableFormat.For(spec, out var tables) ?? throw new InvalidOperationException($"a Shadow plan, but no walker for {tables}");
        var guest = new GuestPageTableBuilder(memory, RamGpa + (2 << 20), 1 << 20, format, spec.InputAddressWidth);
        var shadow = new ShadowEngine(mapper, memory, guest.Table);
        var source = ram.Span.Slice(0x10_0000, Length);
        var target = ram.Span.Slice(0x3000, Length);
        Random.Shared.NextBytes(source);
        target.Fill(0xEE);

        guest.Map(SourceIova, RamGpa + 0x10_0000, 4096, DmaAccess.Read);
        guest.Map(TargetIova, RamGpa + 0x3000, 4096, DmaAccess.ReadWrite); // stage-1 tables cannot say write-only
        shadow.InvalidateAll();
        edu.CopyToDevice(SourceIova, Length);
        edu.CopyFromDevice(TargetIova, Length);
        var landed = target.SequenceEqual(source);
        Console.WriteLine($"shadow DMA: guest maps IOVA 0x{TargetIova:x} -> GPA 0x{RamGpa + 0x3000:x}; edu writes {Length} bytes: {(landed ? "they landed in that guest page" : "THEY DID NOT ARRIVE")} ({shadow.Stats.MapIoctls} map ioctls)");

        guest.Unmap(TargetIova, 4096);
        shadow.Invalidate(TargetIova, 4096);
        target.Fill(0xEE);
        edu.CopyFromDevice(TargetIova, Length);
        var blocked = target.IndexOfAnyExcept((byte)0xEE) < 0;
        Console.WriteLine($"shadow DMA after the guest unmaps and invalidates: {(blocked ? "blocked by the IOMMU, guest memory untouched" : "REACHED MEMORY")}");
        guest.Unmap(SourceIova, 4096);
        shadow.InvalidateAll();
        return landed && blocked;
    }
}
