using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>dma-bufs in an IOAS on the selftest mock (iommufd.c TEST_F(iommufd_ioas, dmabuf_simple) and dmabuf_revoke):
/// IOMMU_TEST_OP_DMABUF_GET exports kernel memory as a dma-buf that IOMMU_IOAS_MAP_FILE maps at a chosen IOVA;
/// IOMMU_TEST_OP_DMABUF_REVOKE revokes it as a VFIO device's reset or close would. What the kernel does then, as the
/// runtime surfaces it: the area stays in the IOAS (unmapping it returns its length), the mapping is gone from every
/// domain (a domain attached after the revocation loads nothing for it), and a new MAP_FILE of the revoked buffer fails
/// with ENODEV until it is restored; unmapping leaves the IOAS empty.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it
public sealed class DmaBufTests
{
    private static readonly ulong Length = 4 * (ulong)Environment.SystemPageSize;
    private static readonly ulong Iova = MockIoas.ApertureStart;

    [Fact]
    [Trait("Category", "Vm")]
    public void A_mock_dma_buf_maps_at_the_chosen_iova_and_unmaps_leaving_nothing()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var dmaBuf = SelftestMock.GetDmaBuf(mock.Iommu, (uint)Length);

        mock.Ioas.MapFile(Iova, dmaBuf, 0, Length, DmaAccess.ReadWrite);

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), Errno.EEXIST, () => mock.Ioas.MapFile(Iova, dmaBuf, 0, Length, DmaAccess.ReadWrite));
        Assert.Equal(Length, mock.Ioas.UnmapAll());
        Assert.Equal(0UL, mock.Ioas.UnmapAll());
    }

    [Theory]
    [Trait("Category", "Vm")]
    [InlineData("no length")]
    [InlineData("starting at its end")]
    [InlineData("one byte longer")]
    public void A_slice_outside_the_dma_buf_is_refused_with_EINVAL(string slice)
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var dmaBuf = SelftestMock.GetDmaBuf(mock.Iommu, (uint)Length);
        var (start, length) = slice switch
        {
            "no length" => (0UL, 0UL),
            "starting at its end" => (Length, Length),
            _ => (0UL, Length + 1),
        };

        KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), Errno.EINVAL, () => mock.Ioas.MapFile(Iova, dmaBuf, start, length, DmaAccess.ReadWrite));
        Assert.Equal(0UL, mock.Ioas.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void After_revocation_the_area_stays_until_unmapped_new_maps_fail_with_ENODEV_and_a_restored_buffer_maps_again()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var dmaBuf = SelftestMock.GetDmaBuf(mock.Iommu, (uint)Length);
        mock.Ioas.MapFile(Iova, dmaBuf, 0, Length, DmaAccess.ReadWrite);

        SelftestMock.RevokeDmaBuf(mock.Iommu, dmaBuf, revoked: true);

        // a domain attached now skips the revoked area (iopt_area_fill_domain): allocation succeeds, nothing is loaded
        using (HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id))
        {
        }
        var refused = KernelAssert.Fails(nameof(Ioctls.IOMMU_IOAS_MAP_FILE), Errno.ENODEV,
            () => mock.Ioas.MapFile(Iova + Length, dmaBuf, 0, Length, DmaAccess.ReadWrite));
        Assert.Contains($"iova 0x{Iova + Length:x}", refused.Message);

        SelftestMock.RevokeDmaBuf(mock.Iommu, dmaBuf, revoked: false);
        mock.Ioas.MapFile(Iova + Length, dmaBuf, 0, Length, DmaAccess.ReadWrite);
        // "Restore the iova back": the revoked area is unmapped and mapped anew
        Assert.Equal(Length, mock.Ioas.Unmap(Iova, Length));
        mock.Ioas.MapFile(Iova, dmaBuf, 0, Length, DmaAccess.ReadWrite);
        Assert.Equal(2 * Length, mock.Ioas.UnmapAll());
        Assert.Equal(0UL, mock.Ioas.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Closing_the_dma_buf_descriptor_keeps_the_mapping_until_it_is_unmapped()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        var dmaBuf = SelftestMock.GetDmaBuf(mock.Iommu, (uint)Length);
        mock.Ioas.MapFile(Iova, dmaBuf, 0, Length, DmaAccess.ReadWrite);

        dmaBuf.Dispose(); // the IOAS holds its own reference (the attachment): the area stays

        Assert.Equal(Length, mock.Ioas.UnmapAll());
    }
}
