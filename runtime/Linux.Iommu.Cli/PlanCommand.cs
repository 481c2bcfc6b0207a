using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan</c>: decides how a host backs the guest's vIOMMU and prints the decision with every reason —
/// on this host (the VM's devices opened as one <see cref="VfioDeviceSet"/>: iommufd, or the type1 container where the
/// kernel has no iommufd, which plans Shadow or Refused), or against a host recorded by <c>iommu probe --save</c> on any
/// machine. The spec is read and validated before any device or file of the host is looked at. Exit 0 for Nested or
/// Shadow, 3 for Refused (the VM must not start).</summary>
internal static class PlanCommand
{
    /// <summary>The planner the tool uses: the built-in models.</summary>
    public static ViommuPlanner Planner { get; } = new();

    public static int Run(FileInfo? specFile, bool hostPassthrough, string[]? named, IommuBackend? backend, FileInfo? recordedFile)
    {
        var spec = hostPassthrough ? null : Planner.LoadSpec(specFile!.FullName);
        var title = hostPassthrough ? "--host-passthrough (derived from the host: not migratable)" : specFile!.Name;
        if (recordedFile is not null)
        {
            var host = RecordedHostJson.Load(recordedFile.FullName);
            var report = Planner.Plan(spec ?? PassThrough(host, recordedFile.Name), host);
            var devices = host.Container is { } container ? $"{container.Devices.Count} device(s) in a type1 container" : $"{host.Devices.Count} device(s)";
            Console.WriteLine($"== plan {title} against the host recorded in {recordedFile.Name} (kernel {host.Kernel}, {host.Architecture}, {devices})");
            Console.Write(report.Describe());
            return report.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
        }

        using var set = DeviceSelection.Open(named, backend);
        using var plan = Planner.Plan(spec ?? PassThrough(set, backend), set);
        Console.WriteLine(set.Backend == IommuBackend.Iommufd ? $"== plan {title}" : $"== plan {title} {DeviceSelection.DescribeType1(set, backend)}");
        Console.Write(plan.Report.Describe());
        return plan.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
    }

    /// <summary>The spec a recorded host's IOMMU offers as is, from its first device's IOMMU_GET_HW_INFO (iommufd only).</summary>
    private static GuestViommuSpec PassThrough(RecordedHost host, string file)
    {
        if (host.Container is not null)
            throw new InvalidOperationException($"--host-passthrough derives the spec from IOMMU_GET_HW_INFO, which a host without iommufd does not report ({file} was recorded through the type1 container)\n" +
                "  give --spec FILE (the legacy VFIO container plans Shadow or Refused)");
        return Planner.PassThrough(host);
    }

    /// <summary>The spec this host's IOMMU offers as is, read through the first device (IOMMU_GET_HW_INFO: iommufd only).</summary>
    private static GuestViommuSpec PassThrough(VfioDeviceSet set, IommuBackend? backend)
    {
        var hwInfo = set.Devices[0].GetHwInfo() ?? throw new InvalidOperationException(
            $"--host-passthrough derives the spec from IOMMU_GET_HW_INFO, which only iommufd reports; these devices are {DeviceSelection.DescribeType1(set, backend)}\n" +
            "  give --spec FILE (the legacy VFIO container plans Shadow or Refused)");
        var (ranges, alignment) = set.GetIovaRanges();
        return Planner.PassThrough(hwInfo, new ShadowFacts(ranges, alignment, (ulong)DmaBuffer.SystemPageSize));
    }
}
