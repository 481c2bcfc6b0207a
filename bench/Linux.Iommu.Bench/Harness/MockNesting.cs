using System.Runtime.InteropServices;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The selftest mock's nesting (CONFIG_IOMMUFD_TEST, x86 guest only), as bench/c/invalidate.c sets it up: a mock
/// device on an IOAS, a nest-parent HWPT, a vIOMMU of the selftest type and a nested HWPT on it; with a vDEVICE and the
/// device attached to the nested HWPT when vEVENTs are wanted (the mock reports them only then).</summary>
internal sealed class MockNesting : IDisposable
{
    public MockNesting(bool attachForEvents)
    {
        Iommu = IommuFd.Open();
        Ioas = Iommu.AllocIoas();
        Device = SelftestMock.MockDomain(Iommu, Ioas);
        Parent = HwPagetable.Allocate(Iommu, Device.IdevId, Ioas.Id, HwptAllocFlags.NestParent);
        Viommu = Viommu.Allocate(Iommu, (ViommuType)SelftestConstants.IOMMU_VIOMMU_TYPE_SELFTEST, Device.IdevId, Parent.Id);
        var data = new iommu_hwpt_selftest { iotlb = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT };
        Nested = HwPagetable.Allocate(Iommu, Device.IdevId, attachForEvents ? Viommu.Id : Parent.Id, 0,
            (HwptDataType)SelftestConstants.IOMMU_HWPT_DATA_SELFTEST, MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_selftest>(in data)));
        if (!attachForEvents) return;
        Events = VeventQueue.Allocate(Viommu, SelftestConstants.IOMMU_VEVENTQ_TYPE_SELFTEST, 1024, iommu_viommu_event_selftest.NativeSize);
        Vdevice = Viommu.AllocateVdevice(Device.IdevId, 0x99);
        SelftestMock.MockDomainReplace(Iommu, Device, Nested.Id);
    }

    public IommuFd Iommu { get; }
    public Ioas Ioas { get; }
    public MockDevice Device { get; }
    public HwPagetable Parent { get; }
    public Viommu Viommu { get; }
    public HwPagetable Nested { get; }
    public VeventQueue? Events { get; }
    public Vdevice? Vdevice { get; }

    public void Dispose() => Iommu.Dispose(); // closing the iommufd destroys every object in it
}
