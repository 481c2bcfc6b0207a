using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan</c> on a kernel without iommufd: the VM's groups in one legacy type1 container, planned
/// there (Shadow into the container, or Refused; nesting needs iommufd).</summary>
internal static class LegacyPlan
{
    public const string ContainerPath = "/dev/vfio/vfio";

    /// <summary>A host without iommufd that the legacy path can plan on.</summary>
    public static bool Applies => !IommufdSupport.Available && File.Exists(ContainerPath);

    public static int Run(GuestViommuSpec? spec, string title, string[]? named)
    {
        if (spec is null)
            throw new InvalidOperationException($"{IommufdSupport.Diagnose()}\n  --host-passthrough derives the spec from IOMMU_GET_HW_INFO, which only iommufd reports: give --spec FILE (the legacy VFIO container plans Shadow or Refused)");
        var devices = LegacyDevices.Resolve(named);
        using var container = VfioContainer.Open(ContainerPath);
        var groups = new List<VfioGroup>();
        try
        {
            foreach (var number in devices.Select(d => d.Group).Distinct())
            {
                var group = VfioGroup.Open(number);
                groups.Add(group);
                if (!group.IsViable)
                    throw new InvalidOperationException($"VFIO group {number} ({string.Join(", ", devices.Where(d => d.Group == number).Select(d => d.Name))}) is not viable: every device of the group must be bound to vfio-pci (/sys/kernel/iommu_groups/{number}/devices)");
                group.SetContainer(container);
            }
            container.SetIommu();
            var report = PlanCommand.Planner.PlanLegacy(spec, container, devices);
            Console.WriteLine($"== plan {title} in the legacy VFIO container {ContainerPath} (groups {string.Join(", ", groups.Select(g => g.Number))}): this kernel has no iommufd");
            Console.WriteLine(IommufdSupport.Diagnose());
            Console.Write(report.Describe());
            return report.Decision == PlanDecision.Refused ? ExitCodes.Refused : ExitCodes.Ok;
        }
        finally
        {
            foreach (var group in groups) group.Dispose();
        }
    }
}
