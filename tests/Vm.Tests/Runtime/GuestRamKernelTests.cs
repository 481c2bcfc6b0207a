using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Every guest-RAM backing mapped into a real IOAS (and a hugetlb memfd into a type1 container) with edu
/// attached, proved by DMA: the device writes bytes into the last page of the buffer through the mapping. The guest's
/// huge pages are reserved here (the guest is ours; 2 MiB pages only: 1 GiB pages need boot parameters and a gigabyte
/// the tier's guest does not have).</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class GuestRamKernelTests
{
    private const long Length = 4 << 20;
    private const ulong TargetIova = 2 << 20, SourceIova = 16 << 20; // 2 MiB aligned, below edu's 28-bit DMA mask
    private const int Transfer = QemuEduDevice.MaxTransfer;

    /// <summary>Enough 2 MiB pages free for two buffers of <see cref="Length"/>.</summary>
    private static void ReserveHugePages()
    {
        const string pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/";
        long Read(string name) => long.Parse(File.ReadAllText(pool + name).Trim());
        var missing = 2 * Length / (2 << 20) - (Read("free_hugepages") - Read("resv_hugepages"));
        if (missing > 0) File.WriteAllText("/proc/sys/vm/nr_hugepages", (Read("nr_hugepages") + missing).ToString());
    }

    /// <summary>edu reads random bytes from a source buffer and writes them into the last <see cref="Transfer"/> bytes of
    /// <paramref name="target"/>, mapped at <see cref="TargetIova"/>.</summary>
    private static void DmaInto(IDmaMapper mapper, DeviceRegion bar0, DmaBuffer target)
    {
        var edu = new QemuEduDevice(bar0);
        using var source = DmaBuffer.Allocate(Transfer);
        Random.Shared.NextBytes(source.Span[..Transfer]);
        target.Span.Fill(0xEE);
        mapper.Map(SourceIova, source, DmaAccess.Read);
        mapper.Map(TargetIova, target, DmaAccess.Write);

        edu.CopyToDevice(SourceIova, Transfer);
        edu.CopyFromDevice(TargetIova + (ulong)(Length - Transfer), Transfer);

        Assert.True(source.Span[..Transfer].SequenceEqual(target.Span[^Transfer..]),
            $"{target.Backing}: the device's bytes did not arrive: wrote {Convert.ToHexString(source.Span[..16])}, memory holds {Convert.ToHexString(target.Span[^Transfer..][..16])}");
        Assert.True(target.Span[..^Transfer].IndexOfAnyExcept((byte)0xEE) < 0, $"{target.Backing}: DMA wrote outside the bytes it was given");
        mapper.Unmap(TargetIova, target);
        mapper.Unmap(SourceIova, source);
    }

    [Theory]
    [InlineData(MemoryBacking.Anonymous)]
    [InlineData(MemoryBacking.TransparentHugePages)]
    [InlineData(MemoryBacking.HugeTlb2M)]
    [InlineData(MemoryBacking.Memfd)]
    [InlineData(MemoryBacking.MemfdHugeTlb2M)]
    public void The_device_writes_into_guest_RAM_of_each_backing_mapped_into_an_IOAS(MemoryBacking backing)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // a memfd goes in by file (IDmaMapper.Map), which 6.12 lacks
        if (backing is MemoryBacking.Memfd or MemoryBacking.MemfdHugeTlb2M) GuestKernel.Require(KernelOffer.MapFile);
        ReserveHugePages();
        using var rig = EduIoas.Open();
        rig.Device.EnablePciBusMastering();
        using var bar0 = rig.Device.MapRegion(0);
        using var ram = DmaBuffer.Allocate(Length, backing, populateThreads: 2);

        DmaInto(rig.Ioas, bar0, ram);

        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(MemoryBacking.MemfdHugeTlb2M, true)]
    [InlineData(MemoryBacking.HugeTlb2M, false)]
    public void A_memfd_is_mapped_into_an_IOAS_by_file_and_anything_else_by_address(MemoryBacking backing, bool byFile)
    {
        GuestKernel.Require(KernelOffer.ChangeProcess);
        if (byFile) GuestKernel.Require(KernelOffer.MapFile);
        ReserveHugePages();
        using var rig = EduIoas.Open();
        using var ram = DmaBuffer.Allocate(Length, backing);
        rig.Ioas.Map(TargetIova, ram, DmaAccess.ReadWrite);

        // IOMMU_IOAS_CHANGE_PROCESS accepts an IOAS only when every mapping in it was made from a file
        var result = ChangeProcessResult(rig.Iommu);

        Assert.Equal(byFile ? 0 : -Errno.EINVAL, result);
        rig.Ioas.Unmap(TargetIova, ram);
        rig.AssertNothingLeft();
    }

    private static int ChangeProcessResult(IommuFd iommu)
    {
        try
        {
            iommu.ChangeProcess();
            return 0;
        }
        catch (IommuException e) when (e.Operation == nameof(Ioctls.IOMMU_IOAS_CHANGE_PROCESS))
        {
            return -e.Errno;
        }
    }

    [Fact]
    public void The_device_writes_into_a_hugetlb_memfd_mapped_into_a_type1_container_by_address()
    {
        ReserveHugePages();
        using var rig = EduContainer.Open();
        using var device = rig.OpenDevice();
        using var bar0 = device.MapRegion(0);
        using var ram = DmaBuffer.Allocate(Length, MemoryBacking.MemfdHugeTlb2M, populateThreads: 2);

        DmaInto(rig.Container, bar0, ram);

        Assert.Equal(0UL, rig.Container.UnmapAll());
    }
}
