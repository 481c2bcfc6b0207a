using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>A host recorded here (RecordedHost, the file format of `iommu probe --save`) plans every example spec as the
/// live host does: the same decision and the same requirements with the same values, on either IOMMU family. The one
/// thing a record cannot show is the kernel's answer to the nested allocation: where the live plan fell back because the
/// kernel refused it, the recorded plan says Nested and lists the allocation as not tried. With VM_OUT set (run-in-vm
/// --out DIR) the record is written there as hosts/NAME.json: tests/data/hosts/ holds the committed ones.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class RecordedHostTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void A_host_recorded_here_plans_every_example_spec_as_the_live_host_does()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var edus = QemuEduDevice.Devices;
        var cdevs = edus.Select(d => d.RequireCdevPath()).ToList();
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas(); // destroyed after the devices are closed (finally), so nothing is attached then
        var devices = cdevs.Select(VfioDevice.Open).ToList();
        try
        {
            foreach (var device in devices) device.BindIommufd(iommu);
            // named as `iommu probe` names them: the cdev and the PCI address
            var planned = devices.Select((d, i) => new PlannedDevice($"{cdevs[i]} ({edus[i].Address})", d, edus[i].IommuGroup)).ToList();
            var host = RecordedHost.Record(iommu, planned);
            var recorded = RecordedHostJson.Parse(RecordedHostJson.Write(host));
            Assert.Equal(host.Devices.Select(d => d.HwInfo), recorded.Devices.Select(d => d.HwInfo));
            Save(recorded, Environment.GetEnvironmentVariable("VM_ARCH") == "aarch64" ? "qemu-smmuv3" : $"qemu-vtd-{Environment.GetEnvironmentVariable("VM_VTD_MODE")}");

            foreach (var device in devices) device.Attach(ioas.Id);
            AssertEveryExampleSpecPlansAlike(recorded, (planner, spec) => planner.Plan(spec, iommu, ioas, planned));
        }
        finally
        {
            foreach (var device in devices) device.Dispose();
        }
    }

    /// <summary>Plans every example spec live (<paramref name="plan"/>) and against <paramref name="recorded"/>, and
    /// asserts the two alike (<see cref="AssertPlansAlike"/>).</summary>
    internal static void AssertEveryExampleSpecPlansAlike(RecordedHost recorded, Func<ViommuPlanner, GuestViommuSpec, RunningPlan> plan)
    {
        var planner = MockPlanning.Planner();
        foreach (var file in Directory.GetFiles(global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs"), "*.json").Order(StringComparer.Ordinal))
        {
            var spec = planner.LoadSpec(file);
            using var live = plan(planner, spec);
            AssertPlansAlike(live.Report, planner.Plan(spec, recorded), Path.GetFileName(file));
        }
    }

    /// <summary>Same decision, same requirements (id, met, required, offered) per device and plan-wide, same host IOMMU;
    /// except that a kernel refusal of the nested allocation, which only the live plan can meet, leaves the recorded plan
    /// Nested with that allocation listed as not tried.</summary>
    internal static void AssertPlansAlike(PlanReport live, PlanReport recorded, string what)
    {
        var context = $"{what}\nlive:\n{live.Describe()}\nrecorded:\n{recorded.Describe()}";
        var kernelRefused = live.PlanRequirements.Any(r => r.Id == RequirementId.KernelAllocatesNested);
        Assert.True(kernelRefused ? recorded.Decision == PlanDecision.Nested : recorded.Decision == live.Decision, context);
        Assert.True((recorded.Decision == PlanDecision.Nested) == recorded.NotChecked.Any(n => n.StartsWith("kernel allocation not tried", StringComparison.Ordinal)), context);
        Assert.Equal(Facts(live).Where(f => !f.StartsWith($"plan {RequirementId.KernelAllocatesNested} ", StringComparison.Ordinal)), Facts(recorded));
        Assert.Equal(live.Devices.Select(d => (d.Device, d.HostIommu)), recorded.Devices.Select(d => (d.Device, d.HostIommu)));
    }

    private static IEnumerable<string> Facts(PlanReport report) =>
        report.TopologyRequirements.Concat(report.PlanRequirements).Select(r => $"plan {Fact(r)}")
            .Concat(report.Devices.SelectMany(d => d.Nested.Select(r => $"{d.Device} nested {Fact(r)}").Concat(d.Shadow.Select(r => $"{d.Device} shadow {Fact(r)}"))));

    private static string Fact(Requirement r) => $"{r.Id} {(r.Met ? "met" : "failed")}: {r.Required} / {r.Offered}";

    /// <summary>Writes the record to $VM_OUT/hosts/NAME.json when the runner collects output (run-in-vm --out DIR).</summary>
    internal static void Save(RecordedHost host, string name)
    {
        if (Environment.GetEnvironmentVariable("VM_OUT") is not { Length: > 0 } output) return;
        Directory.CreateDirectory(Path.Combine(output, "hosts"));
        File.WriteAllText(Path.Combine(output, "hosts", $"{name}.json"), RecordedHostJson.Write(host));
    }
}
