using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Linux.Iommu;

/// <summary>One PCI function as Linux's sysfs shows it (<c>/sys/bus/pci/devices/DDDD:BB:DD.F</c>): its ids, the driver
/// bound to it, moving it to another driver, its IOMMU group and its VFIO device cdev. The one place of this repository
/// that reads PCI sysfs; rebinding needs root.</summary>
public sealed partial class PciDevice
{
    /// <summary>The driver that hands a device to user space.</summary>
    public const string VfioPci = "vfio-pci";

    private static readonly TimeSpan DefaultBindTimeout = TimeSpan.FromSeconds(30);
    private readonly string _root;

    private PciDevice(string root, string address)
    {
        _root = root;
        Address = address;
        SysfsPath = Path.Combine(root, "sys", "bus", "pci", "devices", address);
    }

    /// <summary>The PCI address as sysfs spells it (domain:bus:device.function, lower case), e.g. 0000:00:03.0.</summary>
    public string Address { get; }

    /// <summary>/sys/bus/pci/devices/ADDRESS.</summary>
    public string SysfsPath { get; }

    /// <summary>The device at <paramref name="address"/> (domain:bus:device.function, or bus:device.function in domain 0).</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not a PCI address.</exception>
    /// <exception cref="IommuEnvironmentException">No such PCI device (ENODEV).</exception>
    public static PciDevice FromAddress(string address) => FromAddress(address, "/");

    /// <summary><see cref="FromAddress(string)"/> in the tree under <paramref name="root"/> (which holds sys/ and dev/).</summary>
    internal static PciDevice FromAddress(string address, string root)
    {
        var device = new PciDevice(root, ParseAddress(address));
        if (!Directory.Exists(device.SysfsPath)) throw DeviceErrors.NoSuchDevice(device.Address, device.SysfsPath);
        return device;
    }

    /// <summary>The device behind a VFIO device cdev (/dev/vfio/devices/vfioN, through /sys/class/vfio-dev/vfioN/device).</summary>
    /// <exception cref="IommuEnvironmentException">No such cdev in sysfs (ENOENT; the message says what cdevs need).</exception>
    public static PciDevice FromCdev(string cdevPath) => FromCdev(cdevPath, "/");

    internal static PciDevice FromCdev(string cdevPath, string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(cdevPath);
        var name = Path.GetFileName(cdevPath);
        var entry = Path.Combine(root, "sys", "class", "vfio-dev", name);
        var link = new DirectoryInfo(Path.Combine(entry, "device"));
        if (!CdevName().IsMatch(name) || !HasDeviceNumber(entry) || link.LinkTarget is not { } target)
            throw DeviceErrors.NoSuchCdev(cdevPath, entry);
        return FromAddress(Path.GetFileName(target.TrimEnd('/')), root);
    }

    /// <summary>Every PCI device of this machine, in address order.</summary>
    public static IReadOnlyList<PciDevice> All => AllUnder("/");

    internal static IReadOnlyList<PciDevice> AllUnder(string root)
    {
        var devices = Path.Combine(root, "sys", "bus", "pci", "devices");
        return Directory.Exists(devices)
            ? Directory.EnumerateFileSystemEntries(devices).Select(Path.GetFileName).OfType<string>().Where(a => AddressPattern().IsMatch(a))
                .Order(StringComparer.Ordinal).Select(a => new PciDevice(root, a)).ToList()
            : [];
    }

    /// <summary>The devices with vendor id <paramref name="vendorId"/> and device id <paramref name="deviceId"/>, in address order.</summary>
    public static IReadOnlyList<PciDevice> FindById(ushort vendorId, ushort deviceId) => FindById(vendorId, deviceId, "/");

    internal static IReadOnlyList<PciDevice> FindById(ushort vendorId, ushort deviceId, string root) =>
        AllUnder(root).Where(d => d.VendorId == vendorId && d.DeviceId == deviceId).ToList();

    /// <summary>The devices of class code <paramref name="classCode"/> (base class, subclass and programming interface,
    /// e.g. 0x010802 for NVM Express), in address order.</summary>
    public static IReadOnlyList<PciDevice> FindByClass(uint classCode) => FindByClass(classCode, "/");

    internal static IReadOnlyList<PciDevice> FindByClass(uint classCode, string root) => AllUnder(root).Where(d => d.ClassCode == classCode).ToList();

    /// <summary>The devices bound to <paramref name="driver"/> (e.g. <see cref="VfioPci"/>), in address order.</summary>
    public static IReadOnlyList<PciDevice> BoundTo(string driver) => BoundTo(driver, "/");

    internal static IReadOnlyList<PciDevice> BoundTo(string driver, string root) => AllUnder(root).Where(d => d.Driver == driver).ToList();

    /// <summary>A PCI address in the form sysfs uses: lower case, with the domain (0000: when only bus:device.function is given).</summary>
    /// <exception cref="ArgumentException">Not a PCI address.</exception>
    public static string ParseAddress(string text) => TryParseAddress(text, out var address)
        ? address
        : throw new ArgumentException($"'{text}' is not a PCI address (domain:bus:device.function, e.g. 0000:00:03.0, or bus:device.function)", nameof(text));

    /// <summary>As <see cref="ParseAddress"/>; false when <paramref name="text"/> is not a PCI address.</summary>
    public static bool TryParseAddress(string? text, out string address)
    {
        var full = text is not null && text.Count(c => c == ':') == 1 ? "0000:" + text : text;
        address = full is not null && AddressPattern().IsMatch(full) ? full.ToLowerInvariant() : "";
        return address.Length > 0;
    }

    /// <summary>The vendor id (sysfs vendor).</summary>
    public ushort VendorId => (ushort)ReadHex("vendor");

    /// <summary>The device id (sysfs device).</summary>
    public ushort DeviceId => (ushort)ReadHex("device");

    /// <summary>The 24-bit class code: base class, subclass, programming interface (sysfs class).</summary>
    public uint ClassCode => (uint)ReadHex("class");

    /// <summary>The driver bound now (nvme, vfio-pci...), or null.</summary>
    public string? Driver => LinkName("driver");

    /// <summary>The IOMMU group number, or null when the device has none (no IOMMU, or the IOMMU is off).</summary>
    public int? IommuGroup => int.TryParse(LinkName("iommu_group"), out var group) ? group : null;

    /// <summary>The devices of this device's IOMMU group, this one included, in address order.</summary>
    /// <exception cref="IommuEnvironmentException">The device has no IOMMU group.</exception>
    public IReadOnlyList<PciDevice> GroupMembers => InIommuGroup(RequireIommuGroup(), _root);

    /// <summary>The PCI devices of IOMMU group <paramref name="group"/> (/sys/kernel/iommu_groups/N/devices), in address order.</summary>
    /// <exception cref="IommuEnvironmentException">There is no such group.</exception>
    public static IReadOnlyList<PciDevice> InIommuGroup(int group) => InIommuGroup(group, "/");

    internal static IReadOnlyList<PciDevice> InIommuGroup(int group, string root)
    {
        var members = Path.Combine(root, "sys", "kernel", "iommu_groups", $"{group}", "devices");
        if (!Directory.Exists(members)) throw DeviceErrors.NoSuchGroup(group, members);
        return Directory.EnumerateFileSystemEntries(members).Select(Path.GetFileName).OfType<string>().Where(a => AddressPattern().IsMatch(a))
            .Order(StringComparer.Ordinal).Select(a => new PciDevice(root, a)).ToList();
    }

    /// <summary>The VFIO device cdev (/dev/vfio/devices/vfioN, named by sysfs vfio-dev/vfioN), or null when the device has
    /// none: not bound to vfio-pci, or a kernel without cdevs (before 6.6, or without CONFIG_VFIO_DEVICE_CDEV).</summary>
    public string? CdevPath => VfioDeviceEntry is { } entry && HasDeviceNumber(entry)
        ? Path.Combine(_root, "dev", "vfio", "devices", Path.GetFileName(entry))
        : null;

    /// <summary>sysfs vfio-dev/vfioN: every VFIO device has one since 6.1, with or without a cdev.</summary>
    private string? VfioDeviceEntry
    {
        get
        {
            var vfioDev = Path.Combine(SysfsPath, "vfio-dev");
            return Directory.Exists(vfioDev)
                ? Directory.EnumerateFileSystemEntries(vfioDev).FirstOrDefault(e => CdevName().IsMatch(Path.GetFileName(e)))
                : null;
        }
    }

    /// <summary>Whether a sysfs device entry has a device number (its dev attribute): the kernel gives a VFIO device one
    /// only with CONFIG_VFIO_DEVICE_CDEV (vfio_init_device_cdev), so Debian's kernels list vfio-dev/vfioN without a node.</summary>
    private static bool HasDeviceNumber(string sysfsEntry) => File.Exists(Path.Combine(sysfsEntry, "dev"));

    /// <summary>The VFIO device cdev.</summary>
    /// <exception cref="IommuEnvironmentException">The device has none: not bound to vfio-pci, or a kernel without cdevs (the
    /// message says what they need and offers the group).</exception>
    public string RequireCdevPath() => CdevPath ?? throw DeviceErrors.NoCdev(this);

    /// <summary>The legacy VFIO group node (/dev/vfio/N) of the device's IOMMU group, or null when it has no group.</summary>
    public string? GroupPath => IommuGroup is { } group ? Path.Combine(_root, "dev", "vfio", $"{group}") : null;

    /// <summary>The IOMMU group number.</summary>
    /// <exception cref="IommuEnvironmentException">The device has no IOMMU group (the IOMMU is off or does not cover it).</exception>
    public int RequireIommuGroup() => IommuGroup ?? throw DeviceErrors.NoIommuGroup(Address, Path.Combine(SysfsPath, "iommu_group"));

    /// <summary>Checks that vfio-pci drives the device.</summary>
    /// <exception cref="IommuEnvironmentException">It is not bound to vfio-pci (the message gives the commands that bind it).</exception>
    public void RequireVfioPci()
    {
        if (Driver != VfioPci) throw DeviceErrors.NotBoundToVfio(this);
    }

    /// <summary>Moves the device to vfio-pci (driver_override, unbind from its driver, drivers_probe) and waits until
    /// vfio-pci has it and its VFIO node (cdev, or the group node on a kernel without cdevs) exists.</summary>
    /// <exception cref="TimeoutException">The kernel did not finish within <paramref name="timeout"/> (30 s by default).</exception>
    public void BindToVfioPci(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultBindTimeout;
        Rebind(VfioPci, VfioPci, limit);
        // The group node comes first (vfio_register_group_dev), then vfio-dev/vfioN and, with cdevs, its node.
        var vfioDevices = Directory.Exists(Path.Combine(_root, "sys", "class", "vfio-dev"));
        WaitFor(() => CdevPath is { } cdev ? File.Exists(cdev) : (!vfioDevices || VfioDeviceEntry is not null) && GroupPath is { } group && File.Exists(group),
            () => $"the VFIO node of {Address} ({CdevPath ?? GroupPath ?? "no IOMMU group"})", limit);
    }

    /// <summary>Gives the device back to a kernel driver (driver_override cleared, unbind, drivers_probe) and waits until
    /// <paramref name="driver"/> has it.</summary>
    /// <exception cref="IommuEnvironmentException">The kernel has no PCI driver named <paramref name="driver"/>.</exception>
    /// <exception cref="TimeoutException">The kernel did not finish within <paramref name="timeout"/> (30 s by default).</exception>
    public void BindToDriver(string driver, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(driver);
        var directory = Path.Combine(_root, "sys", "bus", "pci", "drivers", driver);
        if (!Directory.Exists(directory)) throw DeviceErrors.NoSuchDriver(Address, driver, directory);
        // a newline clears driver_override: any matching driver may bind, so the one named must be the kernel's match
        Rebind(driver, "\n", timeout ?? DefaultBindTimeout);
    }

    private void Rebind(string driver, string driverOverride, TimeSpan timeout)
    {
        if (Driver == driver) return;
        var pci = Path.Combine(_root, "sys", "bus", "pci");
        WriteAttribute(Path.Combine(SysfsPath, "driver_override"), driverOverride);
        if (Driver is { } current) WriteAttribute(Path.Combine(pci, "drivers", current, "unbind"), Address);
        WriteAttribute(Path.Combine(pci, "drivers_probe"), Address);
        WaitFor(() => Driver == driver, () => $"{Address} bound to {driver} (now: {Driver ?? "no driver"})", timeout);
    }

    /// <summary>A sysfs attribute takes its value in one write(2).</summary>
    private static void WriteAttribute(string path, string value)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(value));
    }

    private static void WaitFor(Func<bool> done, Func<string> what, TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        while (!done())
        {
            if (Stopwatch.GetElapsedTime(start) > timeout) throw new TimeoutException($"waited {timeout.TotalSeconds:0.#} s for {what()}");
            Thread.Sleep(20);
        }
    }

    private ulong ReadHex(string attribute)
    {
        var path = Path.Combine(SysfsPath, attribute);
        var text = File.ReadAllText(path).Trim();
        return text.StartsWith("0x", StringComparison.Ordinal) && ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out var value)
            ? value
            : throw new InvalidDataException($"{path}: '{text}' is not a 0x-prefixed hex number");
    }

    private string? LinkName(string link) => new FileInfo(Path.Combine(SysfsPath, link)).LinkTarget is { } target ? Path.GetFileName(target.TrimEnd('/')) : null;

    /// <inheritdoc/>
    public override string ToString() => Address;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PciDevice other && other.SysfsPath == SysfsPath;

    /// <inheritdoc/>
    public override int GetHashCode() => SysfsPath.GetHashCode(StringComparison.Ordinal);

    [GeneratedRegex("^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[01][0-9a-fA-F]\\.[0-7]$")]
    private static partial Regex AddressPattern();

    [GeneratedRegex("^vfio[0-9]+$")]
    private static partial Regex CdevName();
}
