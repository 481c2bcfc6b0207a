using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan</c> on a kernel without iommufd: the VM's groups in one legacy type1 container, planned
/// there (Shadow into the container, or Refused; nesting needs iommufd).</summary>
internal static class LegacyPlan
{
    /// <summary>A host without iommufd that the legacy path can plan on.</summary>
    public static bool Applies => !IommufdSupport.Available && File.Exists(LegacyContainer.Path);

    public static int Run(GuestViommuSpec? spec, string title, string[]? named)
    {
        if (spec is null)
            throw new InvalidOperationException($"{IommufdSupport.Diagnose()}\n  --host-passthrough derives the spec from IOMMU_GET_HW_INFO, which only iommufd reports: give --spec FILE (the legacy VFIO container plans Shadow or Refused)");
        var devices = LegacyDevices.Resolve(named);
        using var legacy = LegacyContainer.Open(devices);
        var report = PlanCommand.Planner.PlanLegacy(spec, legacy.Container, devices);
        Console.WriteLine($"== plan {title} in the legacy VFIO container {LegacyContainer.Path} (groups {string.Join(", ", legacy.Groups.Select(g => g.Number))}): this kernel has no iommufd");
        Console.WriteLine(IommufdSupport.Diagnose());
        Console.Write(report.Describe());
        return report.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
    }
}
