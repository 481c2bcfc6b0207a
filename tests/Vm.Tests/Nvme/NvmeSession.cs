using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;

namespace Vm.Tests.Nvme;

/// <summary>The nvme boot's NVMe controller (run-in-vm --nvme) bound to vfio-pci and opened in a <see cref="VfioDeviceSet"/>
/// (iommufd where the kernel has it, the type1 container on Debian's kernels, or the backend asked for), with a DmaSpace
/// over it. Dispose gives everything back
/// (the controller stays bound to vfio-pci for the next test).</summary>
internal sealed class NvmeSession : IDisposable
{
    private NvmeSession(NvmePciDevice pci, VfioDeviceSet devices, DmaSpace space)
    {
        Pci = pci;
        Devices = devices;
        Space = space;
    }

    public NvmePciDevice Pci { get; }
    public VfioDeviceSet Devices { get; }
    public IDmaMapper Mapper => Devices.Mapper;
    public IommuBackend Backend => Devices.Backend;
    public Ioas Ioas => Devices.Ioas ?? throw new InvalidOperationException($"this session runs on {Devices.Backend}, not iommufd");
    public VfioDevice Device => Devices.Devices[0].Device;
    public DmaSpace Space { get; }

    /// <summary>What run-in-vm started QEMU's NVMe device with.</summary>
    public static string ExpectedSerial => Environment.GetEnvironmentVariable("VM_NVME_SERIAL")
        ?? throw new InvalidOperationException("VM_NVME_SERIAL is not set: run the nvme boot (tests/vm/run-in-vm --nvme SIZE)");

    public static ulong ExpectedBytes => ulong.Parse(Environment.GetEnvironmentVariable("VM_NVME_BYTES")
        ?? throw new InvalidOperationException("VM_NVME_BYTES is not set: run the nvme boot (tests/vm/run-in-vm --nvme SIZE)"), System.Globalization.CultureInfo.InvariantCulture);

    public static NvmeSession Open(IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0, IommuBackend? backend = null)
    {
        var pci = NvmePciDevice.Find(null);
        pci.Pci.BindToVfioPci();
        var devices = VfioDeviceSet.Open([pci.Pci], backend);
        try
        {
            return new NvmeSession(pci, devices, devices.CreateDmaSpace(mode, cacheCapacity));
        }
        catch
        {
            devices.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Space.Dispose();
        Devices.Dispose();
    }
}

/// <summary>Tests that drive the one NVMe controller run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NvmeCollection
{
    public const string Name = "nvme controller";
}
