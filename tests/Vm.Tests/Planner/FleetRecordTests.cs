using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>Every boot records its host as <c>iommu probe --save</c> does (<see cref="RecordedHost.Record(VfioDeviceSet)"/>,
/// the edu devices on the backend the kernel offers: iommufd, else the type1 container), and the record plans every
/// example spec as the live host does. With VM_OUT set the record is written there as fleet-host.json: tests/vm/fleet.sh
/// holds tests/data/fleet/ to what the boots recorded, so the committed fleet cannot drift from the kernels.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "vtd-mode")]
[Trait("Boot", "bridge")]
[Trait("Boot", "aarch64")]
public sealed class FleetRecordTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void This_host_is_recorded_and_its_record_plans_every_example_spec_as_the_live_host_does()
    {
        using var set = VfioDeviceSet.Open(QemuEduDevice.Devices);
        var host = RecordedHost.Record(set);
        var json = RecordedHostJson.Write(host);
        var recorded = RecordedHostJson.Parse(json);
        Assert.Equal(json, RecordedHostJson.Write(recorded));
        Assert.Equal(set.Backend == IommuBackend.Type1, recorded.Container is not null);
        if (Environment.GetEnvironmentVariable("VM_OUT") is { Length: > 0 } output) File.WriteAllText(Path.Combine(output, "fleet-host.json"), json);

        RecordedHostTests.AssertEveryExampleSpecPlansAlike(recorded, (planner, spec) => planner.Plan(spec, set));
    }
}
