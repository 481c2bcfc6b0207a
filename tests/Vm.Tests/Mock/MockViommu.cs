using System.Runtime.InteropServices;
using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;

namespace Vm.Tests.Mock;

/// <summary>The selftest's vIOMMU fixture (iommufd.c FIXTURE_SETUP(iommufd_viommu), variant mock_viommu): a mock device on an
/// IOAS, a nest-parent HWPT, a vIOMMU of IOMMU_VIOMMU_TYPE_SELFTEST on it; <see cref="AttachNested"/> gives the device a
/// vDEVICE and attaches it to a nested HWPT of the vIOMMU (optionally reporting faults to a fault queue), which the
/// mock's vEVENT and IOPF triggers need. Disposal undoes it in the order the kernel needs.</summary>
internal sealed class MockViommu : IDisposable
{
    public const ulong VirtualId = 0x99;

    private readonly List<IDisposable> _undo = [];

    public MockViommu()
    {
        Mock = new MockIoas();
        Parent = HwPagetable.Allocate(Iommu, Mock.Device.IdevId, Mock.Ioas.Id, HwptAllocFlags.NestParent);
        Viommu = Viommu.Allocate(Iommu, (ViommuType)SelftestConstants.IOMMU_VIOMMU_TYPE_SELFTEST, Mock.Device.IdevId, Parent.Id);
    }

    public MockIoas Mock { get; }
    public IommuFd Iommu => Mock.Iommu;
    public HwPagetable Parent { get; }
    public Viommu Viommu { get; }
    public HwPagetable? Nested { get; private set; }

    /// <summary>The selftest's nested HWPT data: every mock IOTLB entry IOMMU_TEST_IOTLB_DEFAULT.</summary>
    public static byte[] NestedData()
    {
        var data = new iommu_hwpt_selftest { iotlb = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT };
        return MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_selftest>(in data)).ToArray();
    }

    /// <summary>A vDEVICE of virtual id <see cref="VirtualId"/> for the device, a nested HWPT on the vIOMMU (its faults to
    /// <paramref name="faults"/> when given), and the device attached to it.</summary>
    public HwPagetable AttachNested(FaultQueue? faults = null)
    {
        var vdevice = Viommu.AllocateVdevice(Mock.Device.IdevId, VirtualId);
        _undo.Add(vdevice);
        var type = (HwptDataType)SelftestConstants.IOMMU_HWPT_DATA_SELFTEST;
        Nested = faults is null
            ? HwPagetable.Allocate(Iommu, Mock.Device.IdevId, Viommu.Id, 0, type, NestedData())
            : HwPagetable.Allocate(Iommu, Mock.Device.IdevId, Viommu.Id, faults, 0, type, NestedData());
        _undo.Add(Nested);
        SelftestMock.MockDomainReplace(Iommu, Mock.Device, Nested.Id);
        _undo.Add(new Detach(this));
        return Nested;
    }

    private sealed class Detach(MockViommu owner) : IDisposable
    {
        public void Dispose() => SelftestMock.MockDomainReplace(owner.Iommu, owner.Mock.Device, owner.Mock.Ioas.Id);
    }

    public void Dispose()
    {
        for (var i = _undo.Count - 1; i >= 0; i--) _undo[i].Dispose();
        Viommu.Dispose();
        Parent.Dispose();
        Mock.Dispose();
    }
}
