using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>Where guest RAM is mapped: an iommufd IOAS or a legacy type1 container.</summary>
public enum Backend { Ioas, Type1 }

/// <summary>The edu device attached to a fresh IOAS (with IOMMU_OPTION_HUGE_PAGES as asked, set while it is empty) or its
/// group in a fresh type1 container: the kernel pins and writes IOMMU page tables at map time only with a device.</summary>
internal sealed class GuestRamTarget : IDisposable
{
    private readonly IommuFd? _iommu;
    private readonly VfioDevice? _device;
    private readonly VfioGroup? _group;

    private GuestRamTarget(IommuFd? iommu, Ioas? ioas, VfioDevice? device, VfioContainer? container, VfioGroup? group)
    {
        _iommu = iommu;
        Ioas = ioas;
        _device = device;
        Container = container;
        _group = group;
    }

    public Ioas? Ioas { get; }

    public VfioContainer? Container { get; }

    public IDmaMapper Mapper => (IDmaMapper?)Ioas ?? Container!;

    public static GuestRamTarget Open(Backend backend, bool hugePages, string cdev, int group)
    {
        if (backend == Backend.Type1)
        {
            var container = VfioContainer.Open();
            var vfioGroup = VfioGroup.Open(group);
            vfioGroup.SetContainer(container);
            container.SetIommu();
            return new GuestRamTarget(null, null, null, container, vfioGroup);
        }
        var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        ioas.HugePages = hugePages;
        var device = VfioDevice.Open(cdev);
        device.BindIommufd(iommu);
        device.Attach(ioas.Id);
        return new GuestRamTarget(iommu, ioas, device, null, null);
    }

    /// <summary>The descriptors and id the C twin maps with: iommufd and IOAS id, or -1 and the container.</summary>
    public (int Iommufd, uint Ioas, int Container) Native() => Ioas is { } ioas
        ? ((int)_iommu!.Handle.DangerousGetHandle(), ioas.Id, -1)
        : (-1, 0, (int)Container!.Handle.DangerousGetHandle());

    public void Dispose()
    {
        _device?.Dispose(); // the device holds the IOAS: it goes first
        Ioas?.Dispose();
        _iommu?.Dispose();
        _group?.Dispose();
        Container?.Dispose();
    }

    /// <summary>The edu device's cdev and IOMMU group, as the benchmark's other suites find it.</summary>
    public static (string Cdev, int Group) Edu() => (QemuEduDevice.CdevPath, QemuEduDevice.Group);
}
