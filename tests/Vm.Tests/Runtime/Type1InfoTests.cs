using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>VFIO_IOMMU_GET_INFO of a real type1 container holding edu's group: what `iommu probe` prints on a kernel
/// without iommufd.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class Type1InfoTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void A_container_with_a_group_reports_its_page_sizes_and_the_IOVA_ranges_edu_DMAs_into()
    {
        using var container = VfioContainer.Open();
        using var group = VfioGroup.Open(QemuEduDevice.Group);
        group.SetContainer(container);
        container.SetIommu();

        var info = container.GetInfo();

        Assert.True((info.PageSizes & (ulong)DmaBuffer.SystemPageSize) != 0, info.Describe());
        Assert.Equal((ulong)DmaBuffer.SystemPageSize, info.SmallestPageSize);
        Assert.NotNull(info.IovaRanges);
        Assert.Contains(info.IovaRanges, r => r.Contains(0x100000, 0x100000)); // where the DMA tests map
    }
}
