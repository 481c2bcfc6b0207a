using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu probe</c>: the devices opened through whichever backend the kernel has, and that backend's facts —
/// on iommufd its probed features, then per device the IOMMU behind it (decoded IOMMU_GET_HW_INFO) and the IOVA ranges
/// an IOAS offers with it attached; on the type1 container what the container reports (IOVA page sizes and ranges).
/// <c>--save FILE</c> records those facts (RecordedHostJson) for <c>iommu plan --host FILE</c> on any machine.</summary>
internal static class ProbeCommand
{
    public static int Run(string[]? named, IommuBackend? backend, FileInfo? save)
    {
        using var set = DeviceSelection.Open(named, backend);
        if (set.Backend == IommuBackend.Type1)
        {
            Console.WriteLine($"== backend type1: {string.Join(", ", set.Devices.Select(PlannedDevice.NameOf))} {DeviceSelection.DescribeType1(set, backend)}");
            Console.Write(set.Container!.GetInfo().Describe());
            if (save is not null) Save(save, RecordedHost.Record(set));
            return ExitCodes.Ok;
        }
        var iommu = set.IommuFd!;
        Console.WriteLine($"== backend iommufd: {string.Join(", ", set.Devices.Select(PlannedDevice.NameOf))}");
        Console.Write(iommu.Features.Describe());
        var host = RecordedHost.Record(set);
        foreach (var device in host.Devices)
        {
            Console.WriteLine($"== {device.Name}, IOMMU group {device.IommuGroup}");
            Console.WriteLine(device.HwInfo.Describe().TrimEnd());
            Console.WriteLine($"IOVA ranges of an IOAS with this device attached (alignment {device.IovaAlignment}):");
            Console.WriteLine($"  {"start",-20} {"last",-20} size");
            foreach (var range in device.IovaRanges) Console.WriteLine($"  0x{range.Start,-18:x} 0x{range.Last,-18:x} {(range.Length == 0 ? "2^64 B" : Readable.Bytes(range.Length))}");
        }
        if (save is not null) Save(save, host);
        return ExitCodes.Ok;
    }

    private static void Save(FileInfo save, RecordedHost host)
    {
        File.WriteAllText(save.FullName, RecordedHostJson.Write(host));
        var devices = host.Container?.Devices.Count ?? host.Devices.Count;
        Console.WriteLine($"recorded {devices} device(s) of kernel {host.Kernel} ({host.Architecture}{(host.Container is null ? "" : ", type1 container")}) in {save.FullName}: plan against it anywhere with `iommu plan --spec FILE --host {save.Name}`");
    }
}
