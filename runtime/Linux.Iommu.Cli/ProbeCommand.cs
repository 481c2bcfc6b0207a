using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu probe</c>: what the kernel's iommufd offers (<see cref="IommuFd.Features"/>), then for each device, the IOMMU behind it (decoded IOMMU_GET_HW_INFO) and the IOVA ranges an
/// IOAS offers once the device is attached; <c>--save FILE</c> records exactly that (RecordedHostJson) for
/// <c>iommu plan --host FILE</c> on any machine.</summary>
internal static class ProbeCommand
{
    public static int Run(string[]? named, FileInfo? save)
    {
        if (!IommufdSupport.Available) return LegacyVfioProbe.Run(save);
        using var iommu = IommuFd.Open();
        Console.Write(iommu.Features.Describe());
        var host = Record(iommu, HostDevices.Resolve(named));
        foreach (var device in host.Devices)
        {
            Console.WriteLine($"== {device.Name}{(device.IommuGroup is { } group ? $", IOMMU group {group}" : "")}");
            Console.WriteLine(device.HwInfo.Describe().TrimEnd());
            Console.WriteLine($"IOVA ranges of an IOAS with this device attached (alignment {device.IovaAlignment}):");
            Console.WriteLine($"  {"start",-20} {"last",-20} size");
            foreach (var range in device.IovaRanges) Console.WriteLine($"  0x{range.Start,-18:x} 0x{range.Last,-18:x} {(range.Length == 0 ? "2^64 B" : Readable.Bytes(range.Length))}");
        }
        if (save is not null)
        {
            File.WriteAllText(save.FullName, RecordedHostJson.Write(host));
            Console.WriteLine($"recorded {host.Devices.Count} device(s) of kernel {host.Kernel} ({host.Architecture}) in {save.FullName}: plan against it anywhere with `iommu plan --spec FILE --host {save.Name}`");
        }
        return ExitCodes.Ok;
    }

    /// <summary>Each device bound to one iommufd and recorded alone on its own IOAS.</summary>
    private static RecordedHost Record(IommuFd iommu, string[] paths)
    {
        var devices = new List<VfioDevice>();
        try
        {
            var planned = new List<PlannedDevice>();
            foreach (var path in paths)
            {
                var device = VfioDevice.Open(path);
                devices.Add(device);
                device.BindIommufd(iommu);
                planned.Add(new PlannedDevice(HostDevices.Describe(path), device, VfioDevice.IommuGroupOf(path)));
            }
            return RecordedHost.Record(iommu, planned);
        }
        finally
        {
            foreach (var device in devices) device.Dispose();
        }
    }
}
