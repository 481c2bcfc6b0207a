using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.Harness;

/// <summary>An iommufd context with one IOAS, and optionally the guest's edu device bound and attached to it
/// (with a device the kernel pins and maps the IOMMU at map time; without one it only records the area).</summary>
internal sealed class IommuSession : IDisposable
{
    private readonly VfioDevice? _device;

    private IommuSession(IommuFd iommu, Ioas ioas, VfioDevice? device)
    {
        Iommu = iommu;
        Ioas = ioas;
        _device = device;
    }

    public IommuFd Iommu { get; }

    public Ioas Ioas { get; }

    /// <summary>Where every suite maps: inside the first usable IOVA range of the guest's VT-d (as in bench/c).</summary>
    public const ulong IovaBase = 0x4000_0000;

    public static IommuSession Open(bool attachDevice)
    {
        var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        if (!attachDevice) return new IommuSession(iommu, ioas, null);
        var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        device.BindIommufd(iommu);
        device.Attach(ioas.Id);
        return new IommuSession(iommu, ioas, device);
    }

    public void Dispose()
    {
        _device?.Dispose(); // the device holds the IOAS: it goes first
        Ioas.Dispose();
        Iommu.Dispose();
    }
}
