using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan</c>: decides how a host backs the guest's vIOMMU and prints the decision with every reason —
/// on this host (the VM's devices attached to a kernel-managed IOAS), or against a host recorded by
/// <c>iommu probe --save</c> on any machine. The spec is read and validated before any device or file of the host is
/// looked at. On a kernel without iommufd (6.1) but with the legacy VFIO container, the VM's groups are planned in that
/// container (<see cref="LegacyPlan"/>). Exit 0 for Nested or Shadow, 3 for Refused (the VM must not start).</summary>
internal static class PlanCommand
{
    /// <summary>The planner the tool uses: the built-in models, plus the kernel selftest's mock (selftest-mock) that the
    /// demo nests on.</summary>
    public static ViommuPlanner Planner { get; } = new(SelftestMockModel.Instance);

    public static int Run(FileInfo? specFile, bool hostPassthrough, string[]? named, FileInfo? recordedFile)
    {
        var spec = hostPassthrough ? null : Planner.LoadSpec(specFile!.FullName);
        var title = hostPassthrough ? "--host-passthrough (derived from the host: not migratable)" : specFile!.Name;
        PlanReport report;
        if (recordedFile is not null)
        {
            var host = RecordedHostJson.Load(recordedFile.FullName);
            var first = host.Devices[0];
            report = Planner.Plan(spec ?? Planner.PassThrough(first.HwInfo, new ShadowFacts(first.IovaRanges, first.IovaAlignment, host.HostPageSize)), host);
            Console.WriteLine($"== plan {title} against the host recorded in {recordedFile.Name} (kernel {host.Kernel}, {host.Architecture}, {host.Devices.Count} device(s))");
            Console.Write(report.Describe());
            return report.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
        }

        if (LegacyPlan.Applies) return LegacyPlan.Run(spec, title, named);
        IommufdRequired.Check();
        var paths = HostDevices.Resolve(named);
        using var session = PlanSession.Open(Planner, spec ?? Derive(paths[0]), paths);
        Console.WriteLine($"== plan {title}");
        Console.Write(session.Plan.Report.Describe());
        return session.Plan.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
    }

    /// <summary>The spec this host's IOMMU offers as is, read through the first device.</summary>
    private static GuestViommuSpec Derive(string device)
    {
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var vfio = VfioDevice.Open(device);
        var id = vfio.BindIommufd(iommu);
        vfio.Attach(ioas.Id);
        var (ranges, alignment) = ioas.GetIovaRanges();
        return Planner.PassThrough(iommu.GetHwInfo(id), new ShadowFacts(ranges, alignment, (ulong)DmaBuffer.SystemPageSize));
    }
}
