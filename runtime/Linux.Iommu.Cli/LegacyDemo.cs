using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu demo</c> on a kernel without iommufd (6.1): every example spec planned against the legacy type1
/// container holding the edu device's group (Shadow or Refused: nesting needs iommufd), and for a Shadow plan the same
/// live DMA through the shadow engine, mapping into the container.</summary>
internal static class LegacyDemo
{
    public static int Run(IEnumerable<FileInfo> specs)
    {
        var failures = 0;
        foreach (var file in specs)
        {
            var spec = PlanCommand.Planner.LoadSpec(file.FullName);
            Console.WriteLine();
            Console.WriteLine($"== plan {file.Name} (legacy VFIO container: this kernel has no iommufd): {DemoCommand.Description(file)}");
            if (spec.Model is SelftestMockModel)
            {
                Console.WriteLine("the selftest mock is an iommufd driver (CONFIG_IOMMUFD_TEST): not on this kernel");
                continue;
            }
            (string, int)[] edu = [(QemuEduDevice.PciAddress, QemuEduDevice.Group)];
            using var legacy = LegacyContainer.Open(edu);
            var report = PlanCommand.Planner.PlanLegacy(spec, legacy.Container, edu);
            Console.Write(report.Describe());
            if (report.Decision == PlanDecision.Shadow)
            {
                using var device = legacy.Groups[0].OpenDevice(QemuEduDevice.PciAddress);
                failures += DemoCommand.ShadowDma(legacy.Container, device, spec) ? 0 : 1;
            }
        }
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }
}
