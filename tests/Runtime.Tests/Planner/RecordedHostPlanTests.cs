using Linux.Iommu.Cli;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The hosts recorded in the VM tier (tests/data/hosts/, written by Vm.Tests.Planner.RecordedHostTests and
/// MockPlanTests, which also check there that each plans as its live host does), planned here, with no /dev/iommu.</summary>
public class RecordedHostPlanTests
{
    private static readonly ViommuPlanner Planner = MockPlanning.Planner();

    private static string Host(string name) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("tests", "data", "hosts", name);

    private static string Spec(string name) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs", name);

    private static PlanReport Plan(string host, string spec) => Planner.Plan(Planner.LoadSpec(Spec(spec)), RecordedHostJson.Load(Host(host)));

    [Theory]
    [InlineData("qemu-vtd-legacy.json", "vtd-shadow-4k.json", PlanDecision.Shadow)]
    [InlineData("qemu-vtd-legacy.json", "vtd-48bit-iova.json", PlanDecision.Shadow)]
    [InlineData("qemu-vtd-legacy.json", "vtd-refused-57bit.json", PlanDecision.Refused)]
    [InlineData("qemu-vtd-scalable-flts.json", "vtd-shadow-4k.json", PlanDecision.Shadow)]
    [InlineData("qemu-vtd-scalable-flts.json", "vtd-48bit-iova.json", PlanDecision.Refused)]
    [InlineData("qemu-smmuv3.json", "smmuv3-qemu-virt.json", PlanDecision.Nested)]
    [InlineData("selftest-mock.json", "mock-nested.json", PlanDecision.Nested)]
    public void Each_recorded_host_plans_the_example_specs_as_in_its_VM(string host, string spec, PlanDecision decision)
    {
        var report = Plan(host, spec);

        Assert.True(report.Decision == decision, report.Describe());
        Assert.Equal(decision == PlanDecision.Nested, report.NotChecked.Any(n => n.StartsWith("kernel allocation not tried: recorded host (7.3.4,", StringComparison.Ordinal)));
    }

    [Fact]
    public void QEMU_VTd_in_legacy_mode_is_not_nested_for_lack_of_NEST_FSTS_SMTS_on_both_devices()
    {
        var report = Plan("qemu-vtd-legacy.json", "vtd-shadow-4k.json");

        Assert.Equal(2, report.Devices.Count);
        Assert.All(report.Devices, d => Assert.Equal([Id.VtdGuestFirstStage, Id.VtdNest, Id.VtdFirstStage, Id.VtdScalableMode], d.Nested.Where(r => !r.Met).Select(r => r.Id)));
        Assert.Contains(report.PlanRequirements, r => r.Id == Id.OneHostIommu && r.Met);
        Assert.Empty(report.Failures(PlanDecision.Shadow));
    }

    [Fact]
    public void QEMU_VTd_with_first_stage_tables_lacks_only_NEST_and_a_guest_that_writes_them()
    {
        var report = Plan("qemu-vtd-scalable-flts.json", "vtd-shadow-4k.json");

        Assert.Equal([Id.VtdGuestFirstStage, Id.VtdNest], report.Failures(PlanDecision.Nested).Select(f => f.Requirement.Id));
    }

    [Fact]
    public void A_48_bit_guest_listing_only_low_ranges_is_refused_behind_the_47_bit_IOAS_of_QEMU_VTd_with_first_stage_tables()
    {
        // QEMU: "aw-bits 48 > host aw-bits 47"; every range the spec lists fits
        var report = Plan("qemu-vtd-scalable-flts.json", "vtd-48bit-iova.json");

        var width = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.ShadowAddressWidth, "IOVAs up to 0x7fffffffffff"), (width.Id, width.Offered));
    }

    [Fact]
    public void A_57_bit_guest_on_the_recorded_VTd_fails_on_its_high_range_and_the_address_width()
    {
        var report = Plan("qemu-vtd-legacy.json", "vtd-refused-57bit.json");

        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement is { Id: Id.ShadowIovaRange, Required: "[0x1000000000000, 0x1ffffffffffff]" });
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement is { Id: Id.VtdAddressWidth, Required: "57 bits", Offered: "48 bits (MGAW 48, FS5LP no)" });
    }

    [Fact]
    public void QEMU_SMMUv3_meets_every_register_check_of_its_virt_spec_and_the_kernel_allocation_is_left_open()
    {
        // live, the aarch64 guest plans Shadow: the 7.3 kernel refuses the vIOMMU (Vm.Tests.Modes.SmmuV3GuestTests);
        // a record cannot know that, and says so
        var report = Plan("qemu-smmuv3.json", "smmuv3-qemu-virt.json");

        Assert.Empty(report.Failures(PlanDecision.Nested));
        Assert.DoesNotContain(report.PlanRequirements, r => r.Id == Id.KernelAllocatesNested);
        Assert.Equal("kernel allocation not tried: recorded host (7.3.4, aarch64); on the host itself a kernel that refuses IOMMU_HWPT_ALLOC / IOMMU_VIOMMU_ALLOC makes the plan fall back to Shadow",
            Assert.Single(report.NotChecked));
    }

    [Fact]
    public void The_mock_spec_needs_the_mock_extension_and_then_nests_on_the_recorded_mock()
    {
        Assert.Equal("model", Assert.Throws<SpecException>(() => new ViommuPlanner().LoadSpec(Spec("mock-nested.json"))).Field);
        var model = Assert.Single(Plan("selftest-mock.json", "mock-nested.json").Devices[0].Nested);
        Assert.Equal((Id.HostModel, true), (model.Id, model.Met));
        Assert.StartsWith("selftest mock (IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef)", model.Offered);
        var spec = Planner.LoadSpec(Spec("mock-nested.json"));
        Assert.Throws<ArgumentException>(() => new ViommuPlanner().Plan(spec, RecordedHostJson.Load(Host("selftest-mock.json"))));
    }

    [Theory]
    [InlineData("vtd-shadow-4k.json", "qemu-vtd-legacy.json", ExitCodes.Ok, "Decision: SHADOW")]
    [InlineData("vtd-refused-57bit.json", "qemu-vtd-legacy.json", ExitCodes.Refused, "Decision: REFUSED")]
    [InlineData("smmuv3-qemu-virt.json", "qemu-smmuv3.json", ExitCodes.Ok, "Decision: NESTED")]
    public void The_tool_plans_against_a_recorded_host_on_this_machine(string spec, string host, int exit, string says)
    {
        var result = IommuToolTests.Iommu("plan", "--spec", Spec(spec), "--host", Host(host));

        Assert.True(result.ExitCode == exit, result.Output);
        Assert.Contains($"== plan {spec} against the host recorded in {host} (kernel 7.3.4", result.Stdout);
        Assert.Contains(says, result.Stdout);
    }

    /// <summary>The tool carries no test support: the selftest mock's model is the demo's (examples/Demo), so its spec is
    /// a spec of an unknown model to the tool.</summary>
    [Fact]
    public void The_tool_does_not_know_the_selftest_mock_model()
    {
        var result = IommuToolTests.Iommu("plan", "--spec", Spec("mock-nested.json"), "--host", Host("selftest-mock.json"));

        Assert.True(result.ExitCode == ExitCodes.Error, result.Output);
        Assert.StartsWith("iommu: vIOMMU spec: model: ", result.Stderr);
        Assert.Contains("selftest-mock", result.Stderr);
    }

    [Fact]
    public void Host_passthrough_derives_the_spec_from_the_recorded_host()
    {
        // the legacy-mode host shows the guest second-stage tables and its clear CAP.CM: not nested, not shadowed
        var result = IommuToolTests.Iommu("plan", "--host-passthrough", "--host", Host("qemu-vtd-legacy.json"));

        Assert.True(result.ExitCode == ExitCodes.Refused, result.Output);
        Assert.Contains("✗ caching mode (CAP.CM)", result.Stdout);
        Assert.Contains("Guest vIOMMU: intel-vtd, 48-bit IOVA, pages 4 KiB/2 MiB", result.Stdout);
        Assert.Contains("[host-passthrough: NOT migratable]", result.Stdout);
    }
}
