using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>End-to-end DMA with the edu device through both backends: bytes really cross the IOMMU while mapped,
/// and once unmapped the same DMA is blocked and memory is untouched. The legacy container is the way on a kernel
/// without iommufd (6.1), and still works beside it (6.12, 7.3).</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class DmaRoundTripTests
{
    private const ulong SourceIova = 0x100000, TargetIova = 0x200000; // inside edu's 28-bit DMA mask
    private const int Length = QemuEduDevice.MaxTransfer;

    internal static void RoundTrip(IDmaMapper mapper, DeviceRegion bar0)
    {
        var edu = new QemuEduDevice(bar0);
        using var source = DmaBuffer.Allocate(Length);
        using var target = DmaBuffer.Allocate(Length);
        Random.Shared.NextBytes(source.Span[..Length]);
        target.Span.Fill(0xEE);

        mapper.Map(SourceIova, source, DmaAccess.Read);
        mapper.Map(TargetIova, target, DmaAccess.Write);
        edu.CopyToDevice(SourceIova, Length);
        edu.CopyFromDevice(TargetIova, Length);
        Assert.True(source.Span[..Length].SequenceEqual(target.Span[..Length]),
            $"the bytes the device wrote differ from what it read: source {Convert.ToHexString(source.Span[..16])}, target {Convert.ToHexString(target.Span[..16])}");

        mapper.Unmap(TargetIova, target);
        target.Span.Fill(0xEE);
        edu.CopyFromDevice(TargetIova, Length); // faults in the IOMMU now
        Assert.True(target.Span.IndexOfAnyExcept((byte)0xEE) < 0, "DMA reached memory after its mapping was removed");
        mapper.Unmap(SourceIova, source);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Edu_DMA_round_trips_through_an_iommufd_IOAS_and_is_blocked_after_unmap()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var attached = EduIoas.Open();
        attached.Device.EnablePciBusMastering();
        using var bar0 = attached.Device.MapRegion(0);

        RoundTrip(attached.Ioas, bar0);

        Assert.Equal(0UL, attached.Ioas.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Edu_DMA_round_trips_through_a_legacy_type1_container_and_is_blocked_after_unmap()
    {
        using var container = VfioContainer.Open();
        Assert.True(container.CheckExtension(Linux.Iommu.Native.Constants.VFIO_TYPE1v2_IOMMU), "the container offers no VFIO_TYPE1v2_IOMMU");
        using var group = VfioGroup.Open(QemuEduDevice.Group);
        Assert.True(group.IsViable);
        group.SetContainer(container);
        container.SetIommu();
        using var device = group.OpenDevice(QemuEduDevice.PciAddress);
        device.EnablePciBusMastering();
        using var bar0 = device.MapRegion(0);

        RoundTrip(container, bar0);
    }
}
