using System.Diagnostics;

namespace Linux.Iommu.Nvme;

/// <summary>An NVMe controller as sysfs sees it (PCI class 010802h: mass storage, non-volatile memory, NVM Express), and
/// moving it between the kernel's nvme driver and vfio-pci (driver_override, unbind, drivers_probe). Needs root.</summary>
public sealed class NvmePciDevice
{
    private const string PciDevices = "/sys/bus/pci/devices";

    private NvmePciDevice(string sysfsPath) => SysfsPath = sysfsPath;

    /// <summary>/sys/bus/pci/devices/ADDRESS.</summary>
    public string SysfsPath { get; }

    /// <summary>The PCI address, e.g. 0000:00:04.0.</summary>
    public string Address => Path.GetFileName(SysfsPath);

    /// <summary>Every NVMe controller of this machine, in PCI address order.</summary>
    public static IReadOnlyList<NvmePciDevice> All => Directory.Exists(PciDevices)
        ? Directory.EnumerateDirectories(PciDevices).Where(d => File.ReadAllText(Path.Combine(d, "class")).Trim() == "0x010802")
            .Order(StringComparer.Ordinal).Select(d => new NvmePciDevice(d)).ToList()
        : [];

    /// <summary>The controller at <paramref name="address"/>, or the only one when null.</summary>
    /// <exception cref="InvalidOperationException">No such controller, or several and none chosen (names them).</exception>
    public static NvmePciDevice Find(string? address)
    {
        var all = All;
        if (address is not null)
        {
            return all.FirstOrDefault(d => d.Address == address || d.Address == "0000:" + address)
                ?? throw new InvalidOperationException($"no NVMe controller at PCI address {address} (NVMe controllers here: {Names(all)})");
        }
        return all.Count switch
        {
            1 => all[0],
            0 => throw new InvalidOperationException("no NVMe controller (PCI class 010802h) on this machine"),
            _ => throw new InvalidOperationException($"several NVMe controllers: choose one of {Names(all)}"),
        };
    }

    private static string Names(IReadOnlyList<NvmePciDevice> all) => all.Count == 0 ? "none" : string.Join(", ", all.Select(d => d.Address));

    /// <summary>The driver bound now (nvme, vfio-pci), or null.</summary>
    public string? Driver
    {
        get
        {
            var link = new FileInfo(Path.Combine(SysfsPath, "driver"));
            return link.LinkTarget is { } target ? Path.GetFileName(target) : null;
        }
    }

    /// <summary>Binds the controller to vfio-pci (from the nvme driver or none) and returns its VFIO cdev
    /// (/dev/vfio/devices/vfioN).</summary>
    public string BindToVfio()
    {
        Rebind("vfio-pci");
        var vfioDev = Path.Combine(SysfsPath, "vfio-dev");
        var cdev = WaitFor(() => Directory.Exists(vfioDev) ? Directory.GetDirectories(vfioDev).Select(Path.GetFileName).FirstOrDefault() : null, "its vfio-dev entry");
        return WaitFor(() => File.Exists(Path.Combine("/dev/vfio/devices", cdev)) ? Path.Combine("/dev/vfio/devices", cdev) : null, $"/dev/vfio/devices/{cdev}");
    }

    /// <summary>Gives the controller back to the kernel's nvme driver and returns its first namespace's block device
    /// (/dev/nvmeXn1) once the driver has found it.</summary>
    /// <exception cref="InvalidOperationException">The kernel has no nvme driver (CONFIG_BLK_DEV_NVME).</exception>
    public string BindToKernel()
    {
        if (!Directory.Exists("/sys/bus/pci/drivers/nvme")) throw new InvalidOperationException("the kernel has no nvme driver (/sys/bus/pci/drivers/nvme; CONFIG_BLK_DEV_NVME)");
        Rebind("nvme");
        var nvmeClass = Path.Combine(SysfsPath, "nvme");
        var namespaceName = WaitFor(() => !Directory.Exists(nvmeClass) ? null : Directory.GetDirectories(nvmeClass)
            .SelectMany(c => Directory.GetDirectories(c, Path.GetFileName(c) + "n*")).Select(Path.GetFileName).Order(StringComparer.Ordinal).FirstOrDefault(),
            "the nvme driver's first namespace");
        var device = Path.Combine("/dev", namespaceName!);
        return WaitFor(() => File.Exists(device) ? device : null, device);
    }

    private void Rebind(string driver)
    {
        if (Driver == driver) return;
        // driver_override decides which driver drivers_probe binds; a newline clears it (any driver may bind)
        Write(Path.Combine(SysfsPath, "driver_override"), driver == "vfio-pci" ? "vfio-pci" : "\n");
        if (Driver is { } current) Write(Path.Combine("/sys/bus/pci/drivers", current, "unbind"), Address);
        Write("/sys/bus/pci/drivers_probe", Address);
        WaitFor(() => Driver == driver ? driver : null, $"{Address} bound to {driver} (now: {Driver ?? "no driver"})");
    }

    private static void Write(string path, string value)
    {
        // sysfs attributes: one write(2) of the whole value
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(value));
    }

    private static T WaitFor<T>(Func<T?> probe, string what) where T : class
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (probe() is { } found) return found;
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(30)) throw new TimeoutException($"waited 30 s for {what}");
            Thread.Sleep(20);
        }
    }
}
