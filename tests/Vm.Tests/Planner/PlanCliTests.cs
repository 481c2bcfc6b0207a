using Iommu.Tests.Shared;
using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary><c>iommu plan --spec FILE</c> and <c>iommu probe</c> run as processes on every guest kernel: the devices bound
/// to vfio-pci opened once, with iommufd (7.3, 6.12) in an IOAS, without it (6.1), or with --backend type1, their groups
/// in the legacy type1 container, the report titled so. Shadow exits 0, Refused 3, a bad --device 1 naming it.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
public sealed class PlanCliTests
{
    private const string LegacyTitle = "in the legacy VFIO container /dev/vfio/vfio";

    private static ProcessResult Iommu(params string[] args) => BuiltProgram.Run("iommu", args);

    private static ProcessResult Plan(params string[] args) => Iommu(["plan", .. args]);

    [Fact]
    [Trait("Category", "Vm")]
    public void A_4K_VTd_spec_plans_Shadow_and_exits_0()
    {
        var result = Plan("--spec", PlannerVmTests.Spec("vtd-shadow-4k.json"));
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Decision: SHADOW", result.Stdout);
        if (IommufdSupport.Available)
        {
            Assert.DoesNotContain(LegacyTitle, result.Stdout);
            return;
        }
        Assert.Contains($"== plan vtd-shadow-4k.json {LegacyTitle} (groups {QemuEduDevice.Group}", result.Stdout);
        Assert.Contains("this kernel has no iommufd", result.Stdout);
        Assert.Contains($"no /dev/iommu: this host cannot serve iommufd (kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()})", result.Stdout);
        Assert.Contains("shadowed into the legacy VFIO type1 container", result.Stdout);
        Assert.Contains(QemuEduDevice.PciAddress, result.Stdout);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_57_bit_spec_is_Refused_and_exits_3()
    {
        var result = Plan("--spec", PlannerVmTests.Spec("vtd-refused-57bit.json"));

        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Contains("Decision: REFUSED", result.Stdout);
        Assert.Equal(!IommufdSupport.Available, result.Stdout.Contains(LegacyTitle, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_bad_device_is_an_error_naming_it()
    {
        var spec = PlannerVmTests.Spec("vtd-shadow-4k.json");
        const string Absent = "0000:00:1f.7";
        var absent = Plan("--spec", spec, "--device", IommufdSupport.Available ? "/dev/vfio/devices/vfio99" : Absent);
        Assert.True(absent.ExitCode == 1, absent.Output);
        Assert.Contains(IommufdSupport.Available ? "/dev/vfio/devices/vfio99: no such VFIO device cdev" : $"{Absent}: no such PCI device", absent.Stderr);
        if (IommufdSupport.Available) return;

        var cdev = Plan("--spec", spec, "--device", "/dev/vfio/devices/vfio0");
        Assert.True(cdev.ExitCode == 1, cdev.Output);
        Assert.Contains("/dev/vfio/devices/vfio0: no such VFIO device cdev", cdev.Stderr);
        Assert.Contains("VFIO device cdevs need Linux >= 6.6", cdev.Stderr);

        var passthrough = Plan("--host-passthrough");
        Assert.True(passthrough.ExitCode == 1, passthrough.Output);
        Assert.Contains("--host-passthrough derives the spec from IOMMU_GET_HW_INFO, which only iommufd reports", passthrough.Stderr);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Type1_asked_for_plans_in_the_container_on_any_kernel()
    {
        var result = Plan("--spec", PlannerVmTests.Spec("vtd-shadow-4k.json"), "--backend", "type1");
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"== plan vtd-shadow-4k.json {LegacyTitle} (groups {QemuEduDevice.Group}", result.Stdout);
        Assert.Contains("type1 asked for with --backend", result.Stdout);
        Assert.Contains("Decision: SHADOW", result.Stdout);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Probe_leads_with_the_backend_the_kernel_has_and_its_facts()
    {
        var result = Iommu("probe");
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.StartsWith(IommufdSupport.Available ? "== backend iommufd: " : "== backend type1: ", result.Stdout);
        Assert.Contains(QemuEduDevice.PciAddress, result.Stdout);
        Assert.Contains(IommufdSupport.Available ? "IOVA ranges of an IOAS with this device attached" : "IOVA", result.Stdout);

        var type1 = Iommu("probe", "--backend", "type1");
        Assert.True(type1.ExitCode == 0, type1.Output);
        Assert.StartsWith("== backend type1: ", type1.Stdout);
        Assert.Contains($"{LegacyTitle} (groups {QemuEduDevice.Group}", type1.Stdout);

        // the type1 container is recorded too (a host without iommufd joins a fleet that way)
        var file = Path.Combine(Path.GetTempPath(), "type1-host.json");
        var save = Iommu("probe", "--backend", "type1", "--save", file);
        Assert.True(save.ExitCode == 0, save.Output);
        var container = Assert.IsType<RecordedContainer>(RecordedHostJson.Load(file).Container);
        Assert.Contains(QemuEduDevice.Group, container.Devices.Select(d => d.IommuGroup));
        Assert.NotNull(container.Info.IovaRanges);
        File.Delete(file);
    }
}
