using System.Buffers.Binary;
using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Device-to-device DMA through the type1 container, the way a kernel without iommufd (and without dma-buf
/// export into an IOAS) offers it: edu B's BAR0, mmapped through its VFIO region, is mapped by its user address
/// (VFIO_IOMMU_MAP_DMA: type1 follows the VM_PFNMAP mapping to B's MMIO page instead of pinning memory) into the
/// container edu A uses. A's DMA write to that IOVA lands in B's liveness register (BAR0 + 0x04 reads back the bitwise
/// inverse of what was written), A's DMA read of it brings the inverse back to memory, and after the unmap A no longer
/// reaches B. On iommufd the same map by address is refused, with the errno asserted: iommufd pins the user pages, and a
/// VM_PFNMAP mapping of MMIO has no pages to pin — there B's BAR goes in as a dma-buf (<see cref="DmaBufP2pTests"/>).</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]   // two edu devices, two IOMMU groups
[Trait("Boot", "bridge")] // two edu devices behind a PCIe-to-PCI bridge: one group
public sealed class BarPeerDmaTests
{
    private const ulong Liveness = 0x04;
    private static readonly ulong Page = (ulong)DmaBuffer.SystemPageSize;
    private static readonly ulong SourceIova = 1 << 20, TargetIova = 2 << 20, PeerIova = 16 << 20; // below edu's 28-bit DMA mask

    private static VfioDeviceSet OpenBoth(IommuBackend backend)
    {
        var edus = QemuEduDevice.Devices;
        Assert.True(edus.Count >= 2, $"two edu devices are needed (run-in-vm --edu 2, or the bridge boot); this machine has {edus.Count}");
        return VfioDeviceSet.Open(edus.Take(2), backend);
    }

    [Fact]
    public void Edu_A_writes_and_reads_edu_B_s_register_through_B_s_BAR_mmapped_and_mapped_into_the_type1_container()
    {
        using var set = OpenBoth(IommuBackend.Type1);
        var (a, b) = (set.Devices[0].Device, set.Devices[1].Device);
        a.EnablePciBusMastering();
        using var barA = a.MapRegion(0);
        using var barB = b.MapRegion(0);
        var edu = new QemuEduDevice(barA);
        using var source = DmaBuffer.Allocate((long)Page);
        using var target = DmaBuffer.Allocate((long)Page);
        set.Mapper.Map(SourceIova, source, DmaAccess.Read);
        set.Mapper.Map(TargetIova, target, DmaAccess.Write);
        void DmaWrite(ulong iova, uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(source.Span, value);
            edu.CopyToDevice(SourceIova, 4);
            edu.CopyFromDevice(iova, 4);
        }

        set.Mapper.Map(PeerIova, barB.Address, Page, DmaAccess.ReadWrite);
        barB.Write32(Liveness, 0);
        Assert.Equal(~0u, barB.Read32(Liveness)); // the register as B's driver sees it: the inverse of what was written

        DmaWrite(PeerIova + Liveness, 0x12345678);
        Assert.True(barB.Read32(Liveness) == ~0x12345678u,
            $"edu B's liveness register reads 0x{barB.Read32(Liveness):x8} after edu A's DMA write, not 0x{~0x12345678u:x8}: the peer write did not land");

        barB.Write32(Liveness, 0x0f0f0f0f);
        target.Span.Fill(0xEE);
        edu.CopyToDevice(PeerIova + Liveness, 4); // A reads B's register...
        edu.CopyFromDevice(TargetIova, 4);        // ...and writes it to memory
        Assert.Equal(~0x0f0f0f0fu, BinaryPrimitives.ReadUInt32LittleEndian(target.Span));

        Assert.Equal(Page, set.Mapper.Unmap(PeerIova, Page));
        DmaWrite(PeerIova + Liveness, 0xcafe); // faults in the IOMMU now
        Assert.True(barB.Read32(Liveness) == ~0x0f0f0f0fu, $"after the unmap A's DMA still reached B (register 0x{barB.Read32(Liveness):x8})");
        set.Mapper.Unmap(TargetIova, target);
        set.Mapper.Unmap(SourceIova, source);
        Assert.Equal(0UL, set.UnmapAll());
    }

    [Fact]
    public void On_iommufd_the_same_map_of_B_s_mmapped_BAR_by_address_is_refused_with_EFAULT()
    {
        EduSet.Require(IommuBackend.Iommufd);
        using var set = OpenBoth(IommuBackend.Iommufd);
        using var barB = set.Devices[1].Device.MapRegion(0);

        // IOMMU_IOAS_MAP pins with pin_user_pages, which refuses a VM_PFNMAP mapping: MMIO has no struct page
        var error = KernelAssert.Fails(nameof(Linux.Iommu.Native.Ioctls.IOMMU_IOAS_MAP), Errno.EFAULT,
            () => set.Mapper.Map(PeerIova, barB.Address, Page, DmaAccess.ReadWrite));
        TestContext.Current.TestOutputHelper?.WriteLine($"IOMMU_IOAS_MAP of edu B's mmapped BAR0: {error.Message}");
        Assert.Equal(0UL, set.UnmapAll());
    }
}
