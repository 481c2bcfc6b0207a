using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>IOMMU_IOAS_COPY from an IOAS without a device into the attached one.</summary>
public sealed partial class BadInputTests
{
    [Fact]
    public void Copy_from_an_unmapped_source_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, copy_sweep) "iova < MOCK_APERTURE_START -> ENOENT"
        using var rig = EduIoas.Open();
        using var source = rig.Iommu.AllocIoas();
        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_COPY), Errno.ENOENT, () => rig.Ioas.CopyFrom(source, rig.Base, rig.Base, Page, DmaAccess.Read));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Copy_reaching_past_the_source_mapping_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, copy_sweep) "iova + length - 1 > last_iova -> ENOENT"
        using var rig = EduIoas.Open();
        using var source = rig.Iommu.AllocIoas();
        using var buffer = DmaBuffer.Allocate(2 * (long)Page);
        source.Map(rig.Base, buffer, DmaAccess.Read);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_COPY), Errno.ENOENT, () => rig.Ioas.CopyFrom(source, rig.Base + Page, rig.Base, 2 * Page, DmaAccess.Read));

        source.Unmap(rig.Base, buffer);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Copy_onto_a_mapped_destination_fails_with_EEXIST()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area) "Over map fails" — a copy maps through the same iopt_check_iova
        using var rig = EduIoas.Open();
        using var source = rig.Iommu.AllocIoas();
        using var buffer = DmaBuffer.Allocate((long)Page);
        source.Map(rig.Base, buffer, DmaAccess.Read);
        rig.Ioas.Map(rig.Base, buffer, DmaAccess.Read);

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_COPY), Errno.EEXIST, () => rig.Ioas.CopyFrom(source, rig.Base, rig.Base, Page, DmaAccess.Read));
        Assert.EndsWith($" - flags 0x{(uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE):x}, " +
                        $"dst_ioas_id {rig.Ioas.Id}, src_ioas_id {source.Id}, length 0x{Page:x}, dst_iova 0x{rig.Base:x}, src_iova 0x{rig.Base:x}", error.Message);

        rig.Ioas.Unmap(rig.Base, buffer);
        source.Unmap(rig.Base, buffer);
        rig.AssertNothingLeft();
    }
}
