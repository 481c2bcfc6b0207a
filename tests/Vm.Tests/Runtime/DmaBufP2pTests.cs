using System.Buffers.Binary;
using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Device-to-device DMA through a dma-buf, with two QEMU edu devices: edu B's BAR0 exported
/// (VFIO_DEVICE_FEATURE_DMA_BUF) and mapped (IOMMU_IOAS_MAP_FILE) into the IOAS edu A is attached to; edu A DMA-writes
/// a value to that IOVA, which lands in B's liveness register (BAR0 + 0x04: reads back the bitwise inverse of what was
/// written), read through B's VFIO region. Then what the kernel does when B is reset (edu cannot be: its memory-space
/// toggle, which revokes the same way) or closed: the mapping is revoked
/// (A's DMA no longer reaches B), a new export of the reset device maps again, a closed device's dma-buf maps no more,
/// and unmapping leaves the IOAS empty. Every step says which call it is, so a kernel or QEMU that cannot do this fails
/// naming the step and its errno. Runs in both boots with two edu devices: run-in-vm --edu 2 (two IOMMU groups: B gets
/// its own IOAS) and the bridge boot (one group, one IOAS).</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]   // two edu devices, two IOMMU groups (tier.sh boots every guest with --edu 2)
[Trait("Boot", "bridge")] // two edu devices behind a PCIe-to-PCI bridge: one group
public sealed class DmaBufP2pTests
{
    private const ulong Liveness = 0x04;
    private const ulong PciCommand = 4;
    private const ushort MemorySpace = 1 << 1;
    private static readonly ulong Page = (ulong)DmaBuffer.SystemPageSize;
    private static readonly ulong SourceIova = 1 << 20;        // A reads the value from here (host memory)
    private static readonly ulong PeerIova = 16 << 20;         // B's BAR0 page, below edu's 28-bit DMA mask
    private static readonly ulong PeerIovaAfterReset = 17 << 20;

    private static T Step<T>(string step, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"P2P step '{step}' failed: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    private static void Step(string step, Action call) => Step(step, () =>
    {
        call();
        return 0;
    });

    private sealed class Peers : IDisposable
    {
        private readonly List<IDisposable> _undo = [];

        public Peers()
        {
            var edus = QemuEduDevice.Devices;
            Assert.True(edus.Count >= 2, $"two edu devices are needed (run-in-vm --edu 2, or the bridge boot); this machine has {edus.Count}");
            Iommu = Keep(IommuFd.Open());
            Ioas = Keep(Iommu.AllocIoas());
            A = Keep(VfioDevice.Open(edus[0].RequireCdevPath()));
            A.BindIommufd(Iommu);
            A.Attach(Ioas.Id);
            B = VfioDevice.Open(edus[1].RequireCdevPath()); // closed by the test or at the end
            B.BindIommufd(Iommu);
            SameGroup = edus[0].IommuGroup == edus[1].IommuGroup;
            B.Attach(SameGroup ? Ioas.Id : Keep(Iommu.AllocIoas()).Id); // one group shares one page table
            A.EnablePciBusMastering();
            Bar0 = Keep(A.MapRegion(0));
            Edu = new QemuEduDevice(Bar0);
            Source = Keep(DmaBuffer.Allocate((long)Page));
            Ioas.Map(SourceIova, Source, DmaAccess.Read);
        }

        private T Keep<T>(T item) where T : IDisposable
        {
            _undo.Add(item);
            return item;
        }

        public IommuFd Iommu { get; }
        public Ioas Ioas { get; }
        public VfioDevice A { get; }
        public VfioDevice B { get; }
        public bool SameGroup { get; }
        public DeviceRegion Bar0 { get; }
        public QemuEduDevice Edu { get; }
        public DmaBuffer Source { get; }

        /// <summary>edu A copies <paramref name="value"/> from host memory into its buffer, then DMA-writes 4 bytes of it to <paramref name="iova"/>.</summary>
        public void DmaWrite(ulong iova, uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(Source.Span, value);
            Edu.CopyToDevice(SourceIova, 4);
            Edu.CopyFromDevice(iova, 4);
        }

        /// <summary>B's liveness register through its VFIO region (not through any IOMMU).</summary>
        public uint ReadLiveness()
        {
            Span<byte> value = stackalloc byte[4];
            B.ReadRegion(B.GetRegionInfo(0), Liveness, value);
            return BinaryPrimitives.ReadUInt32LittleEndian(value);
        }

        public void WriteLiveness(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            B.WriteRegion(B.GetRegionInfo(0), Liveness, bytes);
        }

        /// <summary>Turns B's memory decoding (PCI command bit 1) on or off: vfio-pci revokes B's dma-bufs while it is off
        /// (vfio_pci_config.c, the path a reset takes too), and a dma-buf exported then starts revoked.</summary>
        public void SetMemorySpace(bool on)
        {
            var config = B.GetRegionInfo((uint)Constants.VFIO_PCI_CONFIG_REGION_INDEX);
            Span<byte> command = stackalloc byte[2];
            B.ReadRegion(config, PciCommand, command);
            var value = BinaryPrimitives.ReadUInt16LittleEndian(command);
            BinaryPrimitives.WriteUInt16LittleEndian(command, on ? (ushort)(value | MemorySpace) : (ushort)(value & ~MemorySpace));
            B.WriteRegion(config, PciCommand, command);
        }

        public void Dispose()
        {
            B.Dispose();
            for (var i = _undo.Count - 1; i >= 0; i--) _undo[i].Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Edu_A_writes_into_edu_B_s_register_through_B_s_BAR_exported_as_a_dma_buf_and_reset_and_close_revoke_it()
    {
        // the dma-buf goes into the IOAS by IOMMU_IOAS_MAP_FILE, which 6.12 lacks (as it lacks VFIO_DEVICE_FEATURE_DMA_BUF)
        GuestKernel.Require(KernelOffer.MapFile);
        using var peers = new Peers();
        TestContext.Current.TestOutputHelper?.WriteLine($"edu A and B in {(peers.SameGroup ? "one IOMMU group (one IOAS)" : "two IOMMU groups")}");
        Step("enable edu B's memory space (PCI command)", () => peers.SetMemorySpace(on: true));
        using var dmaBuf = Step("VFIO_DEVICE_FEATURE_DMA_BUF: export edu B's BAR0 [0, +page)", () => peers.B.ExportDmaBuf(0, 0, Page));
        Step("IOMMU_IOAS_MAP_FILE: map the dma-buf into edu A's IOAS", () => peers.Ioas.MapFile(PeerIova, dmaBuf, 0, Page, DmaAccess.ReadWrite));

        peers.WriteLiveness(0);
        Assert.Equal(~0u, peers.ReadLiveness()); // the register as B's driver sees it: the inverse of what was written
        Step("edu A DMA-writes 0x12345678 to the dma-buf's IOVA", () => peers.DmaWrite(PeerIova + Liveness, 0x12345678));
        Assert.True(peers.ReadLiveness() == ~0x12345678u,
            $"edu B's liveness register reads 0x{peers.ReadLiveness():x8} after edu A's DMA, not 0x{~0x12345678u:x8}: the peer write did not land");

        // a reset of B revokes its dma-bufs: the IOAS keeps the area, but A's DMA no longer reaches B. edu has no reset
        // method (no FLR, no PM reset; behind a bridge no bus reset of its own), so vfio-pci refuses it; its memory-space
        // toggle takes the same revocation path (vfio_pci_dma_buf_move: revoked, then restored once memory is on again)
        if (peers.B.GetInfo().CanReset)
        {
            Step("VFIO_DEVICE_RESET of edu B", peers.B.Reset);
        }
        else
        {
            var noReset = Assert.Throws<IommuException>(peers.B.Reset);
            TestContext.Current.TestOutputHelper?.WriteLine($"edu B cannot be reset (VFIO_DEVICE_FLAGS_RESET clear): {noReset.Message}");
            Assert.Equal(Errno.EINVAL, noReset.Errno);
            Step("disable edu B's memory space (revokes its dma-bufs as a reset does)", () => peers.SetMemorySpace(on: false));
        }
        Step("enable edu B's memory space again", () => peers.SetMemorySpace(on: true));
        peers.WriteLiveness(0x0f0f0f0f);
        Step("edu A DMA-writes to the revoked IOVA", () => peers.DmaWrite(PeerIova + Liveness, 0xcafe));
        Assert.True(peers.ReadLiveness() == ~0x0f0f0f0fu, $"after B's reset A's DMA still reached B (register 0x{peers.ReadLiveness():x8})");
        Step("IOMMU_IOAS_MAP_FILE: map the dma-buf again after the reset", () => peers.Ioas.MapFile(PeerIovaAfterReset, dmaBuf, 0, Page, DmaAccess.ReadWrite));
        Step("edu A DMA-writes through the new mapping", () => peers.DmaWrite(PeerIovaAfterReset + Liveness, 0xabcd));
        Assert.Equal(~0xabcdu, peers.ReadLiveness());

        // closing B revokes for good: the dma-buf maps no more, and what was mapped unmaps clean
        peers.B.Dispose();
        var closed = Assert.Throws<IommuException>(() => peers.Ioas.MapFile(PeerIova + 4 * Page, dmaBuf, 0, Page, DmaAccess.ReadWrite));
        TestContext.Current.TestOutputHelper?.WriteLine($"MAP_FILE of a closed device's dma-buf: {closed.Message}");
        Assert.Equal(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), closed.Operation);
        Assert.Equal(Errno.ENODEV, closed.Errno);
        Assert.Equal(2 * Page, peers.Ioas.Unmap(PeerIova, PeerIovaAfterReset + Page - PeerIova));
        Assert.Equal(Page, peers.Ioas.UnmapAll()); // only the source page is left
    }
}
