using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Linux.Iommu.Nvme;

/// <summary>An NVMe controller (PCI class 010802h: mass storage, non-volatile memory, NVM Express): finding it, and
/// moving it between the kernel's nvme driver and vfio-pci through its <see cref="PciDevice"/>. Needs root.</summary>
public sealed partial class NvmePciDevice
{
    /// <summary>The PCI class code of an NVM Express controller.</summary>
    public const uint ClassCode = 0x010802;

    private NvmePciDevice(PciDevice pci) => Pci = pci;

    /// <summary>The PCI function.</summary>
    public PciDevice Pci { get; }

    /// <summary>/sys/bus/pci/devices/ADDRESS.</summary>
    public string SysfsPath => Pci.SysfsPath;

    /// <summary>The PCI address, e.g. 0000:00:04.0.</summary>
    public string Address => Pci.Address;

    /// <summary>Every NVMe controller of this machine, in PCI address order.</summary>
    public static IReadOnlyList<NvmePciDevice> All => PciDevice.FindByClass(ClassCode).Select(d => new NvmePciDevice(d)).ToList();

    /// <summary>The controller at <paramref name="address"/>, or the only one when null.</summary>
    /// <exception cref="InvalidOperationException">No such controller, or several and none chosen (names them).</exception>
    public static NvmePciDevice Find(string? address)
    {
        var all = All;
        if (address is not null)
        {
            var wanted = PciDevice.ParseAddress(address);
            return all.FirstOrDefault(d => d.Address == wanted)
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
    public string? Driver => Pci.Driver;

    /// <summary>Binds the controller to vfio-pci (from the nvme driver or none) and returns its VFIO cdev
    /// (/dev/vfio/devices/vfioN).</summary>
    /// <exception cref="IommuEnvironmentException">The kernel has no VFIO device cdevs.</exception>
    public string BindToVfio()
    {
        Pci.BindToVfioPci();
        return Pci.RequireCdevPath();
    }

    /// <summary>Gives the controller back to the kernel's nvme driver and returns its first namespace's block device
    /// (/dev/nvmeXn1) once the driver has found it.</summary>
    /// <exception cref="IommuEnvironmentException">The kernel has no nvme driver (CONFIG_BLK_DEV_NVME).</exception>
    public string BindToKernel()
    {
        Pci.BindToDriver("nvme");
        // the nvme driver's class device (SYSFS/nvme/nvmeX) holds its namespaces: nvmeXnY, or with native multipath
        // (CONFIG_NVME_MULTIPATH, as Debian builds it) the hidden path nvmeScXnY of the subsystem's block device nvmeSnY
        var nvmeClass = Path.Combine(SysfsPath, "nvme");
        var namespaceName = WaitFor(() => !Directory.Exists(nvmeClass) ? null : Directory.GetDirectories(nvmeClass)
            .SelectMany(c => Directory.GetDirectories(c, "nvme*n*")).Select(d => BlockDeviceOf(Path.GetFileName(d))).OfType<string>()
            .Order(StringComparer.Ordinal).FirstOrDefault(),
            "the nvme driver's first namespace");
        var device = Path.Combine("/dev", namespaceName);
        return WaitFor(() => File.Exists(device) ? device : null, device);
    }

    /// <summary>The block device of a namespace entry of the controller (nvme0n1 for nvme0n1 and for the multipath path
    /// nvme0c0n1), or null for anything else.</summary>
    internal static string? BlockDeviceOf(string entry) =>
        NamespaceEntry().Match(entry) is { Success: true } m ? $"nvme{m.Groups[1].Value}n{m.Groups[2].Value}" : null;

    [GeneratedRegex(@"^nvme(\d+)(?:c\d+)?n(\d+)$")]
    private static partial Regex NamespaceEntry();

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
