using Linux.Iommu;
using Linux.Iommu.Devices;
using Linux.Iommu.Planner;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>End to end through the shadow engine: a simulated guest writes VT-d page tables into its RAM, maps a
/// guest IOVA, invalidates; the edu device DMAs to that guest IOVA and the bytes land in the guest page the tables
/// name. After the guest unmaps and invalidates, the same DMA faults and memory is untouched.</summary>
[Collection(EduCollection.Name)]
public sealed class ShadowDmaTests
{
    private const ulong RamGpa = 0x8000_0000, TablePool = RamGpa + (2 << 20), TargetGpa = RamGpa + 0x3000;
    private const ulong GuestIova = 0x0123_4000; // inside edu's 28-bit DMA mask
    private const int Length = QemuEduDevice.MaxTransfer;

    [Fact]
    [Trait("Category", "Vm")]
    public void Edu_DMA_to_a_guest_IOVA_lands_in_the_guest_page_and_faults_after_the_guest_unmaps()
    {
        using var attached = EduIoas.Open();
        var ioas = attached.Ioas;
        attached.Device.EnablePciBusMastering();
        using var bar0 = attached.Device.MapRegion(0);
        var edu = new QemuEduDevice(bar0);

        using var ram = DmaBuffer.Allocate(4 << 20);
        var memory = new GuestMemory().Add(RamGpa, ram);
        var guest = new GuestPageTableBuilder(memory, TablePool, 1 << 20, levels: 3); // the 39-bit VT-d of this QEMU
        var shadow = new ShadowEngine(ioas, memory, guest.RootGpa, guest.Levels);
        var target = ram.Span.Slice((int)(TargetGpa - RamGpa), Length);

        // the device's buffer gets known bytes: DMA them in from a guest page mapped read-only
        var sourceGpa = RamGpa + 0x10_0000;
        var pattern = ram.Span.Slice(0x10_0000, Length);
        Random.Shared.NextBytes(pattern);
        guest.Map(0x0100_0000, sourceGpa, 4096, DmaAccess.Read);
        guest.Map(GuestIova, TargetGpa, 4096, DmaAccess.Write);
        shadow.InvalidateAll();
        Assert.Equal(2, shadow.Stats.MapIoctls);

        target.Fill(0xEE);
        edu.CopyToDevice(0x0100_0000, Length);
        edu.CopyFromDevice(GuestIova, Length);
        Assert.True(target.SequenceEqual(pattern), "the DMA did not land in the guest page the guest's tables name");

        guest.Unmap(GuestIova, 4096);
        shadow.Invalidate(GuestIova, 4096);
        target.Fill(0xEE);
        edu.CopyFromDevice(GuestIova, Length);
        Assert.True(target.IndexOfAnyExcept((byte)0xEE) < 0, "DMA reached guest memory after the guest unmapped and invalidated");

        guest.Unmap(0x0100_0000, 4096);
        shadow.InvalidateAll();
        Assert.Empty(shadow.Areas);
        Assert.Equal(0UL, ioas.UnmapAll());
    }
}
