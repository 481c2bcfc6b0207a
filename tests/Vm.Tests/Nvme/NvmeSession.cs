using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;

namespace Vm.Tests.Nvme;

/// <summary>The nvme boot's NVMe controller (run-in-vm --nvme) bound to vfio-pci, in an iommufd IOAS with a DmaSpace over
/// it. Dispose gives everything back (the controller stays bound to vfio-pci for the next test).</summary>
internal sealed class NvmeSession : IDisposable
{
    private NvmeSession(NvmePciDevice pci, IommuFd iommu, Ioas ioas, VfioDevice device, DmaSpace space)
    {
        Pci = pci;
        Iommu = iommu;
        Ioas = ioas;
        Device = device;
        Space = space;
    }

    public NvmePciDevice Pci { get; }
    public IommuFd Iommu { get; }
    public Ioas Ioas { get; }
    public VfioDevice Device { get; }
    public DmaSpace Space { get; }

    /// <summary>What run-in-vm started QEMU's NVMe device with.</summary>
    public static string ExpectedSerial => Environment.GetEnvironmentVariable("VM_NVME_SERIAL")
        ?? throw new InvalidOperationException("VM_NVME_SERIAL is not set: run the nvme boot (tests/vm/run-in-vm --nvme SIZE)");

    public static ulong ExpectedBytes => ulong.Parse(Environment.GetEnvironmentVariable("VM_NVME_BYTES")
        ?? throw new InvalidOperationException("VM_NVME_BYTES is not set: run the nvme boot (tests/vm/run-in-vm --nvme SIZE)"), System.Globalization.CultureInfo.InvariantCulture);

    public static NvmeSession Open(IovaMode mode = IovaMode.Allocated, int cacheCapacity = 0)
    {
        var pci = NvmePciDevice.Find(null);
        var cdev = pci.BindToVfio();
        var iommu = IommuFd.Open();
        Ioas? ioas = null;
        VfioDevice? device = null;
        try
        {
            ioas = iommu.AllocIoas();
            device = VfioDevice.Open(cdev);
            device.BindIommufd(iommu);
            device.Attach(ioas.Id);
            return new NvmeSession(pci, iommu, ioas, device, DmaSpace.Create(ioas, mode, cacheCapacity));
        }
        catch
        {
            device?.Dispose();
            ioas?.Dispose();
            iommu.Dispose();
            throw;
        }
    }

    /// <summary>This process's pinned memory (VmPin of /proc/self/status, kB): iommufd accounts the pages it pins there.</summary>
    public static long PinnedKilobytes()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("VmPin:", StringComparison.Ordinal));
        return long.Parse(line["VmPin:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Space.Dispose();
        Device.Dispose();
        Ioas.Dispose();
        Iommu.Dispose();
    }
}

/// <summary>Tests that drive the one NVMe controller run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NvmeCollection
{
    public const string Name = "nvme controller";
}
