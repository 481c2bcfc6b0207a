using System.Runtime.InteropServices;
using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>The Nested path on the selftest mock (iommufd.c TEST_F(iommufd_ioas, alloc_hwpt_nested)): a nest-parent
/// HWPT on the IOAS, a nested HWPT of the selftest data type on it, and IOMMU_HWPT_INVALIDATE of its mock IOTLB,
/// whose entries read IOMMU_TEST_IOTLB_DEFAULT until invalidated and 0 after.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class MockNestingTests
{
    private static readonly InvalidationDataType SelftestInvalidation =
        (InvalidationDataType)SelftestConstants.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;

    private static HwPagetable NestParent(MockIoas mock) =>
        HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id, HwptAllocFlags.NestParent);

    private static HwPagetable Nested(MockIoas mock, HwPagetable parent)
    {
        var data = new iommu_hwpt_selftest { iotlb = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT };
        return HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, parent.Id, 0,
            (HwptDataType)SelftestConstants.IOMMU_HWPT_DATA_SELFTEST,
            MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_selftest>(in data))[..SelftestKernel.SizeOf(mock.Iommu, nameof(iommu_hwpt_selftest))]);
    }

    /// <summary>A mock device on an IOAS, a nest parent on it and a nested HWPT on that, destroyed in reverse.</summary>
    private sealed class Nesting : IDisposable
    {
        public MockIoas Mock { get; } = new();
        public HwPagetable Parent { get; }
        public HwPagetable Nested { get; }

        public Nesting()
        {
            Parent = NestParent(Mock);
            Nested = MockNestingTests.Nested(Mock, Parent);
        }

        public bool TryInvalidate(HwPagetable hwpt, (uint Flags, uint IotlbId)[] entries, out uint handled, out int errno) =>
            hwpt.TryInvalidate(SelftestInvalidation, Entries(entries), EntrySize, (uint)entries.Length, out handled, out errno);

        public void AssertIotlb(params uint[] expected)
        {
            for (var id = 0u; id < expected.Length; id++) SelftestMock.CheckIotlb(Mock.Iommu, Nested.Id, id, expected[id]);
        }

        public void Dispose()
        {
            Nested.Dispose();
            Parent.Dispose();
            Mock.Dispose();
        }
    }

    private static readonly uint EntrySize = (uint)iommu_hwpt_invalidate_selftest.NativeSize;

    private static byte[] Entries(params (uint Flags, uint IotlbId)[] entries) =>
        MemoryMarshal.AsBytes(entries.Select(e => new iommu_hwpt_invalidate_selftest { flags = e.Flags, iotlb_id = e.IotlbId }).ToArray().AsSpan()).ToArray();

    private const uint Default = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT;

    [Fact]
    [Trait("Category", "Vm")]
    public void Nested_hwpt_of_the_selftest_type_allocates_on_a_nest_parent_and_pins_it()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();

        Assert.NotEqual(nesting.Parent.Id, nesting.Nested.Id);
        nesting.AssertIotlb(Default, Default, Default, Default);
        // "parent hwpt now cannot be freed" while the nested one stands on it
        KernelAssert.Fails(nameof(Ioctls.IOMMU_DESTROY), Errno.EBUSY, nesting.Parent.Destroy);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_nested_hwpt_needs_a_nest_parent()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var mock = new MockIoas();
        using var plain = HwPagetable.Allocate(mock.Iommu, mock.Device.IdevId, mock.Ioas.Id); // parent_hwpt_id_not_work

        KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EINVAL, () => Nested(mock, plain).Dispose());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_device_attaches_to_the_nested_hwpt_by_replace()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();

        Assert.Equal(nesting.Nested.Id, SelftestMock.MockDomainReplace(nesting.Mock.Iommu, nesting.Mock.Device, nesting.Nested.Id));
        // attached, it is busy; back on the IOAS, it is free again
        KernelAssert.Fails(nameof(Ioctls.IOMMU_DESTROY), Errno.EBUSY, nesting.Nested.Destroy);
        SelftestMock.MockDomainReplace(nesting.Mock.Iommu, nesting.Mock.Device, nesting.Mock.Ioas.Id);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Invalidating_one_good_entry_reports_one_handled_and_clears_that_iotlb_entry()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();
        var nested = nesting.Nested;

        Assert.Equal(0u, nested.Invalidate(SelftestInvalidation, [], EntrySize, 0)); // "zero-length array"
        Assert.Equal(1u, nested.Invalidate(SelftestInvalidation, Entries((0, 1)), EntrySize, 1));
        nesting.AssertIotlb(Default, 0, Default, Default);
        Assert.Equal(2u, nested.Invalidate(SelftestInvalidation, Entries((0, 2), (0, 3)), EntrySize, 2));
        nesting.AssertIotlb(Default, 0, 0, 0);
    }

    [Theory]
    [Trait("Category", "Vm")]
    [InlineData(0xffffffffu, 1u, Errno.EOPNOTSUPP)] // "fail the 2nd request due to invalid flags"
    [InlineData(0u, SelftestConstants.MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1, Errno.EINVAL)] // "... due to invalid iotlb_id"
    public void A_bad_second_entry_stops_the_invalidation_after_the_first(uint badFlags, uint badIotlbId, int errno)
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();

        var sent = nesting.TryInvalidate(nesting.Nested, [(0, 0), (badFlags, badIotlbId)], out var handled, out var actual);

        KernelAssert.Errno(errno, sent, actual);
        Assert.Equal(1u, handled);
        nesting.AssertIotlb(0, Default, Default, Default);
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_HWPT_INVALIDATE), errno,
            () => nesting.Nested.Invalidate(SelftestInvalidation, Entries((0, 0), (badFlags, badIotlbId)), EntrySize, 2));
        Assert.Contains("1 of 2 entries were handled", error.Message);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_bad_first_entry_handles_none()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();

        var sent = nesting.TryInvalidate(nesting.Nested, [(0xffffffff, 0)], out var handled, out var actual);

        KernelAssert.Errno(Errno.EOPNOTSUPP, sent, actual); // "Negative test: invalid flag is passed"
        Assert.Equal(0u, handled);
        nesting.AssertIotlb(Default, Default, Default, Default);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_nest_parent_cannot_be_invalidated()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var nesting = new Nesting();

        var sent = nesting.TryInvalidate(nesting.Parent, [(0, 0)], out var handled, out var actual);

        KernelAssert.Errno(Errno.EINVAL, sent, actual); // "hwpt_invalidate does not support a parent hwpt"
        Assert.Equal(0u, handled);
    }
}
