using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>What Ioas.Map and Unmap do to the pages behind them, seen by the mock (IOMMU_TEST_OP_MD_CHECK_REFS and
/// MD_CHECK_MAP, as iommufd.c's check_refs and check_mappings use them): with a mock domain attached, mapping pins
/// every page once and puts it in the mock page table; unmapping unpins every page.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class MockPinningTests
{
    private const int Pages = 16;

    [Fact]
    [Trait("Category", "Vm")]
    public void Map_pins_every_page_once_and_unmap_unpins_every_page()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var buffer = SmallPages.Anonymous(Pages * SmallPages.PageSize);
        var length = (ulong)buffer.Length;
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, length, 0);

        mock.Ioas.Map(MockIoas.ApertureStart, buffer.Address, length, DmaAccess.ReadWrite);
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, length, 1);
        SelftestMock.CheckMap(mock.Iommu, mock.Device.HwptId, MockIoas.ApertureStart, length, buffer.Address);

        Assert.Equal(length, mock.Ioas.Unmap(MockIoas.ApertureStart, length));
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, length, 0);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Two_mappings_of_one_page_pin_it_twice()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var buffer = SmallPages.Anonymous(SmallPages.PageSize);
        var page = (ulong)SmallPages.PageSize;

        mock.Ioas.Map(MockIoas.ApertureStart, buffer.Address, page, DmaAccess.ReadWrite);
        mock.Ioas.Map(MockIoas.ApertureStart + 16 * page, buffer.Address, page, DmaAccess.ReadWrite);
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, page, 2);

        mock.Ioas.Unmap(MockIoas.ApertureStart, page);
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, page, 1);
        mock.Ioas.UnmapAll();
        SelftestMock.CheckRefs(mock.Iommu, buffer.Address, page, 0);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_wrong_pin_count_is_reported_as_EIO_naming_the_range()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var buffer = SmallPages.Anonymous(SmallPages.PageSize);

        // the check itself can fail: otherwise the two tests above would prove nothing
        var error = KernelAssert.Fails(nameof(Linux.Iommu.Testing.Native.SelftestIoctls.IOMMU_TEST_CMD), Errno.EIO,
            () => SelftestMock.CheckRefs(mock.Iommu, buffer.Address, (ulong)SmallPages.PageSize, 1));
        Assert.Contains("MD_CHECK_REFS", error.Message);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Check_map_fails_where_nothing_is_mapped()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var buffer = SmallPages.Anonymous(SmallPages.PageSize);

        KernelAssert.Fails(nameof(Linux.Iommu.Testing.Native.SelftestIoctls.IOMMU_TEST_CMD), Errno.EINVAL,
            () => SelftestMock.CheckMap(mock.Iommu, mock.Device.HwptId, MockIoas.ApertureStart, (ulong)SmallPages.PageSize, buffer.Address));
    }
}
