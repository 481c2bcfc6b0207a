using Linux.Iommu.DriverKit;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>PCI devices opened for user-space DMA in one I/O address space, through whichever backend the kernel has —
/// chosen once, here, as QEMU's vfio_device_attach and libvfn's iommu_ctx do: iommufd with VFIO device cdevs where the
/// kernel has both (each device bound to one iommufd, attached to one IOAS), else the devices' groups in one legacy
/// type1 container. Everything after it works on this object whatever the backend: <see cref="Mapper"/> for map/unmap,
/// <see cref="DmaSession"/>, <see cref="BatchMapper"/> and <see cref="DmaBuffer"/> mappings, <see cref="CreateDmaSpace"/>
/// for the driver kit, <see cref="GetIovaRanges"/> and <see cref="PageSizes"/> for planning. <see cref="Backend"/> says
/// which one it is; <see cref="IommuFd"/>/<see cref="Ioas"/> and <see cref="Container"/> reach what only one backend has;
/// <see cref="PrepareDirtyTracking"/> gives dirty-page tracking on either.
/// <para>Open either succeeds whole or leaves nothing open. Dispose closes the devices, then the address space.</para></summary>
public sealed partial class VfioDeviceSet : IDisposable
{
    private readonly List<AttachedDevice> _devices;
    private readonly List<VfioGroup> _groups;
    private bool _disposed;

    private VfioDeviceSet(IommuBackend backend, List<AttachedDevice> devices, IommuFd? iommu, Ioas? ioas, VfioContainer? container, List<VfioGroup> groups, ulong? pageSizes)
    {
        Backend = backend;
        _devices = devices;
        IommuFd = iommu;
        Ioas = ioas;
        Container = container;
        _groups = groups;
        PageSizes = pageSizes;
    }

    /// <summary>Opens PCI devices, each named by its address (0000:00:03.0, or 00:03.0) or its VFIO cdev
    /// (/dev/vfio/devices/vfioN), or a whole IOMMU group by its node (/dev/vfio/N). Every device must be bound to vfio-pci.</summary>
    /// <param name="devices">The devices, at least one, each once.</param>
    /// <param name="backend">The backend to use; null (the default) takes iommufd when the kernel has /dev/iommu and
    /// every device has a VFIO cdev, else type1.</param>
    /// <exception cref="ArgumentException">A name is neither a PCI address nor a cdev path, a device is named twice, or none is.</exception>
    /// <exception cref="IommuEnvironmentException">A device is missing, not bound to vfio-pci, without an IOMMU group, in a group
    /// that is not viable, or the kernel lacks the backend asked for (<see cref="IommuEnvironmentException.Fix"/> says what to do).</exception>
    /// <exception cref="IommuException">A kernel call failed.</exception>
    public static VfioDeviceSet Open(IEnumerable<string> devices, IommuBackend? backend = null) => Open(devices, backend, "/");

    /// <summary>Opens <paramref name="devices"/> (see <see cref="Open(IEnumerable{string}, IommuBackend?)"/>).</summary>
    public static VfioDeviceSet Open(IEnumerable<PciDevice> devices, IommuBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        return Open(devices.ToList(), backend);
    }

    /// <summary>As the public Open, resolving names in the tree under <paramref name="root"/> (sys/ and dev/).</summary>
    internal static VfioDeviceSet Open(IEnumerable<string> devices, IommuBackend? backend, string root)
    {
        ArgumentNullException.ThrowIfNull(devices);
        return Open(devices.SelectMany(name => Resolve(name, root)).ToList(), backend);
    }

    /// <summary>The device of a PCI address or a cdev path, or the devices of a group node.</summary>
    internal static IReadOnlyList<PciDevice> Resolve(string name, string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.StartsWith(GroupNodePrefix, StringComparison.Ordinal) && int.TryParse(name.AsSpan(GroupNodePrefix.Length), out var group))
            return PciDevice.InIommuGroup(group, root);
        if (name.StartsWith('/') || name.StartsWith("vfio", StringComparison.Ordinal)) return [PciDevice.FromCdev(name, root)];
        if (!PciDevice.TryParseAddress(name, out var address))
            throw new ArgumentException($"'{name}' is neither a PCI address (0000:00:03.0, or 00:03.0), a VFIO device cdev (/dev/vfio/devices/vfioN) nor a VFIO group node (/dev/vfio/N)", nameof(name));
        return [PciDevice.FromAddress(address, root)];
    }

    private const string GroupNodePrefix = "/dev/vfio/";

    private static VfioDeviceSet Open(List<PciDevice> devices, IommuBackend? backend)
    {
        if (devices.Count == 0) throw new ArgumentException("no device to open: name at least one PCI device bound to vfio-pci", nameof(devices));
        if (devices.GroupBy(d => d.Address).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{twice.Key} is named {twice.Count()} times: a device joins the set once", nameof(devices));
        foreach (var device in devices)
        {
            device.RequireVfioPci();
            device.RequireIommuGroup();
        }
        return (backend ?? Choose(devices)) switch
        {
            IommuBackend.Iommufd => OpenIommufd(devices),
            IommuBackend.Type1 => OpenType1(devices),
            var other => throw new ArgumentOutOfRangeException(nameof(backend), other, "IommuBackend is Iommufd or Type1"),
        };
    }

    /// <summary>iommufd when the kernel serves it and every device has a cdev; else the legacy container.</summary>
    private static IommuBackend Choose(List<PciDevice> devices) =>
        IommufdSupport.Available && devices.All(d => d.CdevPath is not null) ? IommuBackend.Iommufd : IommuBackend.Type1;

    private static VfioDeviceSet OpenIommufd(List<PciDevice> pci)
    {
        var cdevs = pci.Select(d => d.RequireCdevPath()).ToList();
        var iommu = IommuFd.Open();
        Ioas? ioas = null;
        var devices = new List<AttachedDevice>();
        try
        {
            ioas = iommu.AllocIoas();
            foreach (var (device, cdev) in pci.Zip(cdevs))
            {
                var vfio = VfioDevice.Open(cdev);
                devices.Add(new AttachedDevice(device, vfio, device.RequireIommuGroup(), iommu, group: null));
                vfio.BindIommufd(iommu);
                vfio.Attach(ioas.Id);
            }
            return new VfioDeviceSet(IommuBackend.Iommufd, devices, iommu, ioas, container: null, [], pageSizes: null);
        }
        catch
        {
            Close(devices, [], ioas, iommu, container: null);
            throw;
        }
    }

    private static VfioDeviceSet OpenType1(List<PciDevice> pci)
    {
        var container = VfioContainer.Open();
        var groups = new Dictionary<int, VfioGroup>();
        var devices = new List<AttachedDevice>();
        try
        {
            if (!container.CheckExtension(Constants.VFIO_TYPE1v2_IOMMU))
                throw new IommuEnvironmentException($"open the type1 container {VfioContainer.DefaultPath}", "it offers no VFIO_TYPE1v2_IOMMU",
                    "the kernel needs CONFIG_VFIO_IOMMU_TYPE1 (or CONFIG_IOMMUFD_VFIO_CONTAINER)");
            foreach (var device in pci)
            {
                var number = device.RequireIommuGroup();
                if (groups.ContainsKey(number)) continue;
                var group = VfioGroup.Open(number);
                groups.Add(number, group);
                if (!group.IsViable) throw DeviceErrors.GroupNotViable(number, device.GroupMembers);
                group.SetContainer(container);
            }
            container.SetIommu();
            foreach (var device in pci)
            {
                var group = groups[device.RequireIommuGroup()];
                devices.Add(new AttachedDevice(device, group.OpenDevice(device.Address), group.Number, iommu: null, group));
            }
            return new VfioDeviceSet(IommuBackend.Type1, devices, iommu: null, ioas: null, container, [.. groups.Values], container.GetInfo().PageSizes);
        }
        catch
        {
            Close(devices, groups.Values, ioas: null, iommu: null, container);
            throw;
        }
    }

    /// <summary>Which backend the set uses.</summary>
    public IommuBackend Backend { get; }

    /// <summary>The devices, in the order they were given.</summary>
    public IReadOnlyList<AttachedDevice> Devices => _devices;

    /// <summary>The address space every device of the set uses: the <see cref="Ioas"/> or the type1 <see cref="Container"/>.</summary>
    public IDmaMapper Mapper => (IDmaMapper?)Ioas ?? Container!;

    /// <summary>The IOVA ranges usable for mapping (the devices' reserved regions removed) and the IOVA alignment (the
    /// smallest IOMMU page size), as the kernel reports them now.</summary>
    public (IovaRange[] Ranges, ulong Alignment) GetIovaRanges()
    {
        ThrowIfDisposed();
        return Ioas?.GetIovaRanges() ?? Container!.GetIovaRanges();
    }

    /// <summary>The IOMMU page sizes, a bit per size (type1's iova_pgsizes), or null on iommufd: no iommufd call reports
    /// them; the alignment of <see cref="GetIovaRanges"/> is the smallest.</summary>
    public ulong? PageSizes { get; }

    /// <summary>A driver-kit space over the set's address space (IOVAs allocated inside <see cref="GetIovaRanges"/>). The
    /// caller disposes it before the set.</summary>
    public DmaSpace CreateDmaSpace(IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0)
    {
        ThrowIfDisposed();
        return Ioas is not null ? DmaSpace.Create(Ioas, mode, cacheCapacity) : DmaSpace.Create(Container!, mode, cacheCapacity);
    }

    /// <summary>The iommufd (<see cref="IommuBackend.Iommufd"/>), or null: HW page tables, vIOMMUs, options.</summary>
    public IommuFd? IommuFd { get; }

    /// <summary>The IOAS the devices are attached to (<see cref="IommuBackend.Iommufd"/>), or null.</summary>
    public Ioas? Ioas { get; }

    /// <summary>The type1 container (<see cref="IommuBackend.Type1"/>), or null.</summary>
    public VfioContainer? Container { get; }

    /// <summary>The groups in the container (<see cref="IommuBackend.Type1"/>), each once; empty on iommufd.</summary>
    public IReadOnlyList<VfioGroup> Groups => _groups;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Closes the devices (the kernel detaches them), then the groups, the IOAS and the iommufd or container.
    /// Never throws; idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Close(_devices, _groups, Ioas, IommuFd, Container, _dirtyHwpt);
    }

    private static void Close(IEnumerable<AttachedDevice> devices, IEnumerable<VfioGroup> groups, Ioas? ioas, IommuFd? iommu, VfioContainer? container,
        HwPagetable? dirtyHwpt = null)
    {
        foreach (var device in devices) device.Device.Dispose();
        dirtyHwpt?.Dispose();
        foreach (var group in groups) group.Dispose();
        ioas?.Dispose();
        iommu?.Dispose();
        container?.Dispose();
    }
}
