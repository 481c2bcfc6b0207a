using System.Runtime.InteropServices;
using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>Batched IOMMU_HWPT_INVALIDATE on the selftest mock (iommufd.c TEST_F(iommufd_ioas, alloc_hwpt_nested) and
/// TEST_F(iommufd_viommu, vdevice_cache)): N entries in one call take effect (the nested HWPT's mock IOTLB entries read 0,
/// MD_CHECK_IOTLB; the device's cache entries read 0, DEV_CHECK_CACHE); a refused entry in the middle stops the call at
/// its index with the entries before it applied, and the batcher resubmits the rest once it is dropped.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it
public sealed class BatchedInvalidationTests
{
    private const uint IotlbDefault = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT;
    private const uint CacheDefault = (uint)SelftestConstants.IOMMU_TEST_DEV_CACHE_DEFAULT;
    private const uint BadIotlbId = SelftestConstants.MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
    private static readonly InvalidationDataType HwptType = (InvalidationDataType)SelftestConstants.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
    private static readonly InvalidationDataType ViommuType = (InvalidationDataType)SelftestConstants.IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;

    private static iommu_hwpt_invalidate_selftest Iotlb(uint id, uint flags = 0) => new() { flags = flags, iotlb_id = id };

    private static iommu_viommu_invalidate_selftest Cache(uint id, uint vdevId = (uint)MockViommu.VirtualId) => new() { vdev_id = vdevId, cache_id = id };

    private static void AssertIotlb(MockViommu viommu, params uint[] expected)
    {
        for (var id = 0u; id < expected.Length; id++) SelftestMock.CheckIotlb(viommu.Iommu, viommu.Nested!.Id, id, expected[id]);
    }

    private static void AssertCache(MockViommu viommu, params uint[] expected)
    {
        for (var id = 0u; id < expected.Length; id++) SelftestMock.CheckDeviceCache(viommu.Iommu, viommu.Mock.Device.IdevId, id, expected[id]);
    }

    private static MockViommu Attached()
    {
        var viommu = new MockViommu();
        viommu.AttachNested();
        return viommu;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Four_entries_in_one_call_all_take_effect()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        AssertIotlb(viommu, IotlbDefault, IotlbDefault, IotlbDefault, IotlbDefault);

        var handled = viommu.Nested!.Invalidate(HwptType, [Iotlb(3), Iotlb(0), Iotlb(2), Iotlb(1)]);

        Assert.Equal(4u, handled);
        AssertIotlb(viommu, 0, 0, 0, 0);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void An_invalid_entry_in_the_middle_stops_at_its_index_with_the_entries_before_it_applied()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        ReadOnlySpan<iommu_hwpt_invalidate_selftest> entries = [Iotlb(0), Iotlb(1), Iotlb(BadIotlbId), Iotlb(3)];

        var sent = viommu.Nested!.TryInvalidate(HwptType, entries, out var handled, out var actual);

        KernelAssert.Errno(Errno.EINVAL, sent, actual);
        Assert.Equal(2u, handled);
        AssertIotlb(viommu, 0, 0, IotlbDefault, IotlbDefault);
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_INVALIDATE), Errno.EINVAL,
            () => viommu.Nested.Invalidate(HwptType, [Iotlb(BadIotlbId), Iotlb(3)]));
        Assert.Contains("0 of 2 entries were handled, entry 0 was refused", error.Message);
    }

    [Theory]
    [Trait("Category", "Vm")]
    [InlineData(1u, SelftestConstants.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)]         // shorter than the struct's last field
    [InlineData(8u, SelftestConstants.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID)] // "Negative test: Invalid data_type"
    public void A_bad_entry_size_or_unknown_data_type_is_refused_at_entry_0_with_EINVAL(uint entrySize, uint dataType)
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        var entries = MemoryMarshal.AsBytes(new[] { Iotlb(0), Iotlb(1) }.AsSpan()).ToArray();

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_INVALIDATE), Errno.EINVAL,
            () => viommu.Nested!.Invalidate((InvalidationDataType)dataType, entries, entrySize, 1));

        Assert.Contains("0 of 1 entries were handled, entry 0 was refused", error.Message);
        Assert.Contains($"entry_len {entrySize}", error.Message);
        AssertIotlb(viommu, IotlbDefault, IotlbDefault, IotlbDefault, IotlbDefault);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_batcher_flushes_a_full_batch_in_one_call_and_the_rest_on_Flush()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        var batcher = new InvalidationBatcher<iommu_hwpt_invalidate_selftest>(viommu.Nested!, (uint)HwptType, capacity: 2);

        batcher.Add(Iotlb(0));
        batcher.Add(Iotlb(1));
        Assert.Equal(0, batcher.Calls);
        batcher.Add(Iotlb(2)); // the batch was full: the first two went in one call
        Assert.Equal(1, batcher.Calls);
        AssertIotlb(viommu, 0, 0, IotlbDefault, IotlbDefault);
        batcher.Flush();

        Assert.Equal(2, batcher.Calls);
        Assert.Equal(0, batcher.Pending.Length);
        AssertIotlb(viommu, 0, 0, 0, IotlbDefault);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void After_a_refused_entry_the_batcher_keeps_it_first_and_resubmits_the_rest_once_it_is_dropped()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        var batcher = new InvalidationBatcher<iommu_hwpt_invalidate_selftest>(viommu.Nested!, (uint)HwptType);
        batcher.Add(Iotlb(0));
        batcher.Add(Iotlb(0, flags: 0xffffffff)); // "invalid flags": EOPNOTSUPP
        batcher.Add(Iotlb(3));

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_INVALIDATE), Errno.EOPNOTSUPP, batcher.Flush);

        Assert.Contains("1 of 3 entries were handled, entry 1 was refused", error.Message);
        Assert.Equal(2, batcher.Pending.Length);
        Assert.Equal(0xffffffffu, batcher.Pending[0].flags);
        AssertIotlb(viommu, 0, IotlbDefault, IotlbDefault, IotlbDefault);
        batcher.Discard();
        batcher.Flush();
        AssertIotlb(viommu, 0, IotlbDefault, IotlbDefault, 0);
        Assert.Equal(0, batcher.Pending.Length);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_viommu_invalidates_device_cache_entries_in_one_call_and_stops_at_an_unknown_virtual_id()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = Attached();
        AssertCache(viommu, CacheDefault, CacheDefault, CacheDefault, CacheDefault);

        Assert.Equal(2u, viommu.Viommu.Invalidate(ViommuType, [Cache(0), Cache(2)]));
        AssertCache(viommu, 0, CacheDefault, 0, CacheDefault);

        var sent = viommu.Viommu.TryInvalidate(ViommuType, [Cache(1), Cache(3, vdevId: 0x1234), Cache(3)], out var handled, out var actual);

        KernelAssert.Errno(Errno.EINVAL, sent, actual);
        Assert.Equal(1u, handled);
        AssertCache(viommu, 0, 0, 0, CacheDefault);
    }
}
