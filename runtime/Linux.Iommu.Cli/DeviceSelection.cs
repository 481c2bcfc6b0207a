namespace Linux.Iommu.Cli;

/// <summary>The devices <c>probe</c> and <c>plan</c> work on, opened once as a <see cref="VfioDeviceSet"/>: the ones
/// named by --device (PCI addresses or VFIO cdevs), or every device bound to vfio-pci.</summary>
internal static class DeviceSelection
{
    public static VfioDeviceSet Open(string[]? named, IommuBackend? backend)
    {
        string[] devices = named is { Length: > 0 } ? named : [.. PciDevice.BoundTo(PciDevice.VfioPci).Select(d => d.Address)];
        if (devices.Length == 0) throw new InvalidOperationException(NoDevices());
        return VfioDeviceSet.Open(devices, backend);
    }

    /// <summary>No device to work on: on a kernel without iommufd first what it lacks, then how to bind devices, and how
    /// to plan without the hardware.</summary>
    private static string NoDevices()
    {
        var kernel = IommufdSupport.Available ? "" : IommufdSupport.Diagnose() + (File.Exists(VfioContainer.DefaultPath) ? "" :
            $"\n  no {VfioContainer.DefaultPath} either: the kernel offers no VFIO container (CONFIG_VFIO, and from 6.2 CONFIG_VFIO_CONTAINER)") + "\n  ";
        return $"{kernel}no PCI device is bound to {PciDevice.VfioPci}: bind the VM's devices to it (or name them with --device)." +
            "\n  Without the hardware: `iommu plan --spec FILE --host HOST.json` plans against a host recorded with `iommu probe --save HOST.json` (`iommu examples` lists some).";
    }

    /// <summary>Where a type1 set's devices are, and why not iommufd: asked for (<paramref name="asked"/>), a device
    /// without a VFIO cdev, or a kernel without iommufd (then its diagnosis, on the lines after).</summary>
    public static string DescribeType1(VfioDeviceSet set, IommuBackend? asked) =>
        $"in the legacy VFIO container {VfioContainer.DefaultPath} (groups {string.Join(", ", set.Groups.Select(g => g.Number))}): " +
        (asked == IommuBackend.Type1 ? "type1 asked for with --backend"
            : IommufdSupport.Available ? "this kernel has iommufd, but a device has no VFIO cdev (Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV)"
            : "this kernel has no iommufd\n" + IommufdSupport.Diagnose());
}
