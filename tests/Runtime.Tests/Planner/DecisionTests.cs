using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.RecordedHosts;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The planner's decision from recorded IOMMU_GET_HW_INFO: each branch, each refusal reason.</summary>
public class DecisionTests
{
    private static PlanReport Decide(GuestViommuSpec spec, params HwInfo[] hosts) =>
        ViommuPlanner.Decide(spec, hosts.Select((h, i) => ($"dev{i}", h)).ToList(), X86Ioas);

    private static string[] Failed(PlanReport report, PlanDecision branch) => report.Failures(branch).Select(f => f.Requirement.Id).ToArray();

    [Fact]
    public void QEMU_VTd_without_nesting_plans_Shadow_for_a_4K_VTd_guest_and_says_why_not_nested()
    {
        var report = Decide(Vtd(width: 39), QemuVtdLegacy);

        Assert.Equal(PlanDecision.Shadow, report.Decision);
        Assert.Equal([Id.VtdGuestFirstStage, Id.VtdNest, Id.VtdFirstStage, Id.VtdScalableMode], Failed(report, PlanDecision.Nested));
        Assert.Empty(Failed(report, PlanDecision.Shadow));
    }

    [Fact]
    public void A_nesting_capable_VTd_plans_Nested()
    {
        var report = Decide(VtdFirstStage(), VtdWithNesting());

        Assert.Equal(PlanDecision.Nested, report.Decision);
        Assert.True(report.Migratable);
    }

    [Fact]
    public void A_guest_that_writes_second_stage_tables_is_not_nested_and_is_shadowed()
    {
        var report = Decide(Vtd(), VtdWithNesting());

        Assert.Equal(PlanDecision.Shadow, report.Decision);
        var stage = Assert.Single(report.Failures(PlanDecision.Nested)).Requirement;
        Assert.Equal((Id.VtdGuestFirstStage, "vtd.firstStage: false (the guest writes second-stage tables)"), (stage.Id, stage.Offered));
    }

    [Fact]
    public void A_guest_that_writes_first_stage_tables_on_a_host_that_cannot_nest_is_Refused_for_want_of_a_walker()
    {
        // QEMU: "host device is uncompatible with stage-1 translation"
        var report = Decide(VtdFirstStage(), QemuVtdScalableFlts);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Equal([Id.VtdNest], Failed(report, PlanDecision.Nested));
        Assert.Equal([Id.ShadowGuestTables, Id.VtdCachingMode], Failed(report, PlanDecision.Shadow));
        Assert.Contains(report.Devices[0].Shadow, r => r is { Id: Id.ShadowGuestTables, Offered: "no walker for VT-d first-stage tables" });
    }

    [Fact]
    public void Shadowing_a_VTd_guest_needs_caching_mode()
    {
        // QEMU: "We need to set caching-mode=on for intel-iommu to enable device assignment with IOMMU protection"
        var report = Decide(Vtd(width: 39, cachingMode: false), QemuVtdLegacy);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        var cm = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.VtdCachingMode, "vtd.cachingMode: false"), (cm.Id, cm.Offered));
        Assert.Contains(Decide(Vtd(width: 39), QemuVtdLegacy).Devices[0].Shadow, r => r is { Id: Id.VtdCachingMode, Met: true });
    }

    [Fact]
    public void A_guest_wider_than_the_first_stage_tables_is_not_nested()
    {
        var report = Decide(VtdFirstStage(width: 57), VtdWithNesting());

        Assert.NotEqual(PlanDecision.Nested, report.Decision);
        var width = Assert.Single(report.Failures(PlanDecision.Nested)).Requirement;
        Assert.Equal((Id.VtdAddressWidth, "57 bits", "48 bits (MGAW 48, FS5LP no)"), (width.Id, width.Required, width.Offered));
    }

    [Fact]
    public void Guest_1GiB_pages_need_FS1GP_on_the_host()
    {
        var withoutFs1gp = HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0x0d2008c222f0606, 0x880000f00f4a | 1UL << 26), 0, 0);

        Assert.Equal([Id.VtdFirstStage1GiBPages], Failed(Decide(VtdFirstStage(oneGiB: true), withoutFs1gp), PlanDecision.Nested));
        Assert.Equal(PlanDecision.Nested, Decide(VtdFirstStage(oneGiB: true), VtdWithNesting()).Decision);
    }

    [Fact]
    public void Dirty_tracking_needs_the_host_capability()
    {
        Assert.Equal([Id.HostDirtyTracking], Failed(Decide(VtdFirstStage(dirty: true), VtdWithNesting()), PlanDecision.Nested));
        Assert.Equal(PlanDecision.Nested, Decide(VtdFirstStage(dirty: true), VtdWithNesting(HwCapabilities.DirtyTracking)).Decision);
    }

    [Fact]
    public void The_SPR17_erratum_is_reported_without_deciding()
    {
        var withErratum = HwInfo.Decode(HwInfoType.IntelVtd,
            HwInfoData.Vtd(0x1d2008c222f0606, 0x880000f00f4a | 1UL << 26, (uint)VtdFlags.Errata772415Spr17), 0, 0);
        var report = Decide(VtdFirstStage(), withErratum);

        Assert.Equal(PlanDecision.Nested, report.Decision);
        Assert.Contains(report.Devices[0].Nested, r => r.Id == Id.VtdErratum772415 && r.Met && r.Note!.Contains("read-only"));
    }

    [Fact]
    public void A_VTd_guest_on_an_SMMUv3_host_fails_on_the_model_alone()
    {
        var report = Decide(Vtd(), QemuSmmuV3);

        var model = Assert.Single(report.Devices[0].Nested);
        Assert.Equal((Id.HostModel, "IOMMU_HW_INFO_TYPE_INTEL_VTD", "IOMMU_HW_INFO_TYPE_ARM_SMMUV3", false), (model.Id, model.Required, model.Offered, model.Met));
    }

    [Fact]
    public void An_SMMUv3_guest_matching_QEMU_virt_meets_every_register_check()
    {
        // QEMU virt: 2-level stream table, AArch64 tables, 16-bit SIDs, no SSIDs, RIL, 44-bit OAS, 4K+16K+64K granules
        var guest = new ArmSmmuV3Model(TwoLevelStreamTable: true, StreamIdBits: 16, RangeInvalidation: true, OutputAddressBits: 44, Granule16K: true, Granule64K: true);

        Assert.Equal(PlanDecision.Nested, Decide(SmmuV3(guest), QemuSmmuV3).Decision);
    }

    [Fact]
    public void An_SMMUv3_guest_is_refused_nesting_for_each_register_it_exceeds()
    {
        var guest = new ArmSmmuV3Model(TwoLevelStreamTable: false, StreamIdBits: 20, RangeInvalidation: true, OutputAddressBits: 48, Granule16K: false, Granule64K: false);

        Assert.Equal(
            [Id.HostPasidWidth, Id.SmmuV3StreamTableLevels, Id.SmmuV3StreamIdBits, Id.SmmuV3SubstreamIdBits, Id.SmmuV3OutputAddressSize, Id.SmmuV3Granules],
            Failed(Decide(SmmuV3(guest, pasid: 8), QemuSmmuV3), PlanDecision.Nested));
    }

    [Fact]
    public void An_AMD_guest_nests_on_guest_translation_and_is_refused_without_it()
    {
        var spec = new GuestViommuSpec(new AmdViModel(), 48, [4096], [new IovaRange(0, 0xfedfffff)], PasidBits: 16);
        var noGt = HwInfo.Decode(HwInfoType.Amd, HwInfoData.Amd(15UL << 32, 0), 0, 16);

        Assert.Equal(PlanDecision.Nested, Decide(spec, AmdWithGuestTranslation).Decision);
        Assert.Equal([Id.AmdGuestTranslation], Failed(Decide(spec, noGt), PlanDecision.Nested));
    }

    [Fact]
    public void An_AMD_guest_that_cannot_nest_is_Refused_because_the_shadow_engine_does_not_walk_its_tables()
    {
        var spec = new GuestViommuSpec(new AmdViModel(), 48, [4096], [new IovaRange(0, 0xfedfffff)]);
        var noGt = HwInfo.Decode(HwInfoType.Amd, HwInfoData.Amd(15UL << 32, 0), 0, 16);
        var report = Decide(spec, noGt);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        var format = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.ShadowGuestTables, "no walker for AMD-Vi v1 page tables"), (format.Id, format.Offered));
    }

    [Fact]
    public void An_SMMUv3_guest_shadows_with_the_stage1_format_of_its_smallest_granule()
    {
        var spec = SmmuV3(new ArmSmmuV3Model(Granule4K: false, Granule64K: true)) with { PageSizes = [65536] };
        var report = Decide(spec, QemuVtdLegacy); // another family: no nesting, only the shadow engine can serve it

        Assert.Equal(PlanDecision.Shadow, report.Decision);
        Assert.Contains(report.Devices[0].Shadow, r => r.Id == Id.ShadowGuestTables && r.Met && r.Offered == "a walker for SMMUv3 stage-1 VMSAv8-64 tables, 64 KiB granule");
    }

    [Fact]
    public void Devices_behind_different_IOMMUs_are_never_nested_together()
    {
        var other = HwInfo.Decode(HwInfoType.IntelVtd, HwInfoData.Vtd(0x1d2008c222f0606, 0x880000f00f4a | 1UL << 26 | 1UL << 40), 0, 20);
        var report = Decide(VtdFirstStage(), VtdWithNesting(), other);

        Assert.Equal(PlanDecision.Refused, report.Decision); // and first-stage tables cannot be shadowed
        Assert.Equal([Id.OneHostIommu], Failed(report, PlanDecision.Nested));
    }

    [Fact]
    public void Shadow_needs_every_guest_range_inside_the_IOAS()
    {
        var msi = new IovaRange(0xfee00000, 0xfeefffff); // the hole below the IOAS's top
        var report = Decide(Vtd(width: 48, ranges: [new IovaRange(0, 0xfedfffff), msi]), QemuVtdLegacy);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        var range = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.ShadowIovaRange, msi.ToString()), (range.Id, range.Required));
    }

    [Fact]
    public void Shadow_needs_the_IOAS_to_reach_the_top_of_the_guest_width_whatever_ranges_it_lists()
    {
        // QEMU: "aw-bits 48 > host aw-bits 39"
        var ioas39 = X86Ioas with { IovaRanges = [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, (1UL << 39) - 1)] };
        var report = ViommuPlanner.Decide(Vtd(width: 48), [("dev0", QemuVtdLegacy)], ioas39);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        var width = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.ShadowAddressWidth, "IOVAs up to 0xffffffffffff (48-bit input address width)", "IOVAs up to 0x7fffffffff"),
            (width.Id, width.Required, width.Offered));
        Assert.Equal(PlanDecision.Shadow, ViommuPlanner.Decide(Vtd(width: 39), [("dev0", QemuVtdLegacy)], ioas39).Decision);
    }

    [Theory]
    [InlineData(ulong.MaxValue, true)]
    [InlineData(ulong.MaxValue - 1, false)]
    public void A_64_bit_guest_needs_the_IOAS_up_to_the_last_IOVA(ulong top, bool met)
    {
        var spec = SmmuV3(new ArmSmmuV3Model()) with { InputAddressWidth = 64 };
        var report = ViommuPlanner.Decide(spec, [("dev0", QemuSmmuV3)], X86Ioas with { IovaRanges = [new IovaRange(0, top)] });

        Assert.Contains(report.Devices[0].Shadow, r => r is { Id: Id.ShadowAddressWidth, Required: "IOVAs up to 0xffffffffffffffff (64-bit input address width)" } && r.Met == met);
    }

    [Fact]
    public void Shadow_needs_host_pages_no_larger_than_the_guest_smallest()
    {
        var report = ViommuPlanner.Decide(Vtd(pages: [4096]), [("dev0", QemuVtdLegacy)], X86Ioas with { IovaAlignment = 64 * 1024 });

        Assert.Equal(PlanDecision.Refused, report.Decision);
        var page = Assert.Single(report.Failures(PlanDecision.Shadow)).Requirement;
        Assert.Equal((Id.ShadowPageSize, "≤ 4 KiB (the guest's smallest page)", "64 KiB (IOVA alignment 64 KiB, host page 4 KiB)"), (page.Id, page.Required, page.Offered));
    }

    [Fact]
    public void The_report_reads_as_a_list_of_reasons()
    {
        var text = Decide(Vtd(width: 39), QemuVtdLegacy).Describe();

        Assert.StartsWith("Decision: SHADOW - the guest's IO page tables are shadowed into a kernel-managed IOAS\n", text);
        Assert.Contains("    ✗ nesting (ECAP.NEST): needs yes, host offers no\n", text);
        Assert.Contains("    ✓ guest IOVA range mappable in the IOAS: needs [0x0, 0xfedfffff], host offers [0x0, 0xfedfffff], [0xfef00000, 0xffffffffffff]\n", text);
    }

    [Fact]
    public void A_host_passthrough_spec_is_marked_not_migratable()
    {
        var report = Decide(Vtd() with { HostPassthrough = true }, VtdWithNesting());

        Assert.False(report.Migratable);
        Assert.Contains("[host-passthrough: NOT migratable]", report.Describe());
    }
}

/// <summary>host-passthrough: the guest vIOMMU derived from the host (like -cpu host), never migratable.</summary>
public class HostPassthroughTests
{
    [Fact]
    public void A_nesting_capable_VTd_host_passes_through_as_a_nested_VTd_guest()
    {
        var spec = HostPassthrough.Derive(VtdWithNesting(), X86Ioas);

        Assert.Equal((new IntelVtdModel(FirstStage1GiBPages: true, FirstStage: true), 48, false), (spec.Model, spec.InputAddressWidth, spec.Migratable));
        Assert.Equal([4096UL, 2UL << 20, 1UL << 30], spec.PageSizes);
        Assert.Equal(PlanDecision.Nested, ViommuPlanner.Decide(spec, [("dev0", VtdWithNesting())], X86Ioas).Decision);
    }

    [Fact]
    public void QEMU_VTd_in_legacy_mode_passes_through_as_a_39_bit_second_stage_guest_without_caching_mode()
    {
        var spec = HostPassthrough.Derive(QemuVtdLegacy, X86Ioas);

        Assert.Equal((new IntelVtdModel(ScalableMode: false), 39), (spec.Model, spec.InputAddressWidth));
        Assert.Equal([new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, (1UL << 39) - 1)], spec.IovaRanges);
        var report = ViommuPlanner.Decide(spec, [("dev0", QemuVtdLegacy)], X86Ioas);
        Assert.Equal(PlanDecision.Refused, report.Decision); // the host's CAP.CM is clear: the guest would not invalidate new entries
        Assert.Equal([Id.VtdCachingMode], report.Failures(PlanDecision.Shadow).Select(f => f.Requirement.Id));
        Assert.False(report.Migratable);
    }

    [Fact]
    public void QEMU_SMMUv3_passes_through_with_its_own_registers()
    {
        var spec = HostPassthrough.Derive(QemuSmmuV3, X86Ioas);

        Assert.Equal(new ArmSmmuV3Model(true, true, 16, true, 44, true, true, true), spec.Model);
        Assert.Equal(0, spec.PasidBits);
        Assert.All(ViommuPlanner.Decide(spec, [("dev0", QemuSmmuV3)], X86Ioas).Devices[0].Nested, r => Assert.True(r.Met, r.ToString()));
    }
}

/// <summary>Devices behind one bridge (one IOMMU group, one requester ID) get one page table, or the VM is refused.</summary>
public class BridgedDeviceTests
{
    private static readonly (string, int?)[] TwoBehindABridge = [("edu0", 1), ("edu1", 1), ("nic", 5)];

    [Fact]
    public void Devices_sharing_an_IOMMU_group_share_one_page_table_by_default()
    {
        var topology = ViommuPlanner.Topology(VtdFirstStage(), TwoBehindABridge);

        var group = Assert.Single(topology);
        Assert.Equal((Id.SharedIommuGroup, "one shared page table", "edu0, edu1 share one requester ID", true),
            (group.Id, group.Required, group.Offered, group.Met));
        Assert.Equal(PlanDecision.Nested,
            ViommuPlanner.Decide(VtdFirstStage(), [("edu0", VtdWithNesting()), ("edu1", VtdWithNesting())], X86Ioas, topology: topology).Decision);
    }

    [Fact]
    public void A_spec_that_refuses_bridged_devices_refuses_the_VM_on_every_branch()
    {
        var spec = Vtd() with { BridgedDevices = BridgedDevices.Refuse };
        var topology = ViommuPlanner.Topology(spec, TwoBehindABridge);
        var report = ViommuPlanner.Decide(spec, [("edu0", QemuVtdLegacy), ("edu1", QemuVtdLegacy)], X86Ioas, topology: topology);

        Assert.Equal(PlanDecision.Refused, report.Decision);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement is
            { Id: Id.SharedIommuGroup, Required: "no shared requester IDs (bridgedDevices: refuse)", Offered: "edu0, edu1 share one requester ID" });
    }

    [Fact]
    public void Devices_in_groups_of_their_own_have_no_topology_requirement()
    {
        Assert.Empty(ViommuPlanner.Topology(Vtd(), [("a", 1), ("b", 2), ("c", null)]));
    }

    [Fact]
    public void The_spec_names_a_bad_bridgedDevices_value()
    {
        var e = Assert.Throws<SpecException>(() => SpecLoader.Parse("""
            { "model": "intel-vtd", "inputAddressWidth": 48, "pageSizes": ["4K"], "iovaRanges": [], "bridgedDevices": "split" }
            """));
        Assert.Equal("bridgedDevices", e.Field);
    }
}
