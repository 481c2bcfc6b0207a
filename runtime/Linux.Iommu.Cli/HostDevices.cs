namespace Linux.Iommu.Cli;

/// <summary>The VFIO device cdevs to work with: the ones named, or every one this host has.</summary>
internal static class HostDevices
{
    public static string[] Resolve(string[]? named)
    {
        if (named is { Length: > 0 }) return named;
        var found = Directory.Exists("/dev/vfio/devices")
            ? Directory.GetFiles("/dev/vfio/devices", "vfio*").Order(StringComparer.Ordinal).ToArray()
            : [];
        return found.Length > 0
            ? found
            : throw new InvalidOperationException("no VFIO device cdev in /dev/vfio/devices: bind a device to vfio-pci (Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV) or pass --device;" +
                " without the hardware, plan against a recorded host: iommu plan --spec FILE --host HOST.json");
    }

    /// <summary>The PCI address behind a cdev (/sys/class/vfio-dev/vfioN/device), for people.</summary>
    public static string Describe(string cdev)
    {
        var link = $"/sys/class/vfio-dev/{Path.GetFileName(cdev)}/device";
        var target = Directory.Exists(link) ? new DirectoryInfo(link).ResolveLinkTarget(true)?.Name : null;
        return target is null ? cdev : $"{cdev} ({target})";
    }
}
