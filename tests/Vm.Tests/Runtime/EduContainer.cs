using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>A legacy VFIO type1 container with the edu device's group in it (the type1 twin of <see cref="EduIoas"/>);
/// the device itself is opened only when asked, with bus mastering on.</summary>
internal sealed class EduContainer : IDisposable
{
    private readonly VfioGroup _group;

    private EduContainer()
    {
        Container = VfioContainer.Open();
        _group = VfioGroup.Open(QemuEduDevice.Group);
        _group.SetContainer(Container);
        Container.SetIommu();
    }

    /// <summary>Opens and sets up; use it from a test of <see cref="EduCollection"/>.</summary>
    public static EduContainer Open() => new();

    public VfioContainer Container { get; }

    /// <summary>The edu device of the group, ready to do DMA.</summary>
    public VfioDevice OpenDevice()
    {
        var device = _group.OpenDevice(QemuEduDevice.PciAddress);
        device.EnablePciBusMastering();
        return device;
    }

    public void Dispose()
    {
        _group.Dispose();
        Container.Dispose();
    }
}
