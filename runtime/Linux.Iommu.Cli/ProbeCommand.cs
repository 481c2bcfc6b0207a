namespace Linux.Iommu.Cli;

/// <summary><c>iommu probe</c>: for each device, the IOMMU behind it (decoded IOMMU_GET_HW_INFO) and the IOVA
/// ranges an IOAS offers once the device is attached.</summary>
internal static class ProbeCommand
{
    public static int Run(string[]? named)
    {
        using var iommu = IommuFd.Open();
        foreach (var path in HostDevices.Resolve(named))
        {
            using var device = VfioDevice.Open(path);
            var id = device.BindIommufd(iommu);
            using var ioas = iommu.AllocIoas();
            device.Attach(ioas.Id);
            var info = iommu.GetHwInfo(id);
            var (ranges, alignment) = ioas.GetIovaRanges();
            Console.WriteLine($"== {HostDevices.Describe(path)}: iommufd device {id}");
            Console.WriteLine(info.Describe().TrimEnd());
            Console.WriteLine($"IOVA ranges of an IOAS with this device attached (alignment {alignment}):");
            Console.WriteLine($"  {"start",-20} {"last",-20} size");
            foreach (var range in ranges) Console.WriteLine($"  0x{range.Start,-18:x} 0x{range.Last,-18:x} {Size(range)}");
            device.Detach();
        }
        return 0;
    }

    private static string Size(IovaRange range) =>
        range.Length == 0 ? "2^64 B" : range.Length >= 1UL << 30 ? $"{range.Length >> 30} GiB" : range.Length >= 1UL << 20 ? $"{range.Length >> 20} MiB" : $"{range.Length} B";
}
