using System.Text.Json;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Demo;

/// <summary>Every spec planned: the selftest mock's on the mock device, every other on this machine's edu devices opened
/// as one <see cref="VfioDeviceSet"/> (iommufd, or the type1 container on a kernel without it), with a live DMA through
/// the shadow engine where the plan is Shadow.</summary>
internal static class Demo
{
    public static bool Run(ViommuPlanner planner, IReadOnlyList<string> specs)
    {
        var ok = true;
        foreach (var file in specs)
        {
            var spec = planner.LoadSpec(file);
            Console.WriteLine();
            if (spec.Model is SelftestMockModel)
            {
                Console.WriteLine($"== plan {Path.GetFileName(file)} on the selftest mock device: {Description(file)}");
                ok &= MockNesting.Run(planner, spec);
                continue;
            }
            var edu = QemuEduDevice.Devices;
            if (edu.Count == 0) throw new InvalidOperationException($"no QEMU edu device (PCI {QemuEduDevice.VendorId:x4}:{QemuEduDevice.DeviceId:x4}) on this machine: demo.sh runs the demo in the test VM, which has one");
            using var set = VfioDeviceSet.Open(edu);
            Console.WriteLine($"== plan {Path.GetFileName(file)} on {string.Join(", ", set.Devices.Select(PlannedDevice.NameOf))} through {Backend(set)}: {Description(file)}");
            using var plan = planner.Plan(spec, set);
            Console.Write(plan.Report.Describe());
            if (plan.Decision == PlanDecision.Shadow) ok &= ShadowDma.Run(plan.ShadowTarget, set.Devices[0].Device, spec);
        }
        return ok;
    }

    private static string Backend(VfioDeviceSet set) => set.Backend == IommuBackend.Iommufd
        ? "iommufd"
        : "the legacy VFIO type1 container (this kernel has no iommufd)";

    private static string Description(string spec) =>
        JsonDocument.Parse(File.ReadAllText(spec)).RootElement.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
}
