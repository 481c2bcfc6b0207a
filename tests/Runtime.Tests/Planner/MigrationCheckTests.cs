using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.EditedHosts;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Can a VM move from one recorded host to another with the guest-visible vIOMMU it was started with: the hosts
/// recorded in the VM tier as pairs, and variants of them with one field of the record edited.</summary>
public class MigrationCheckTests
{
    private static readonly ViommuPlanner Planner = new();

    private static GuestViommuSpec Spec(string name) => Planner.LoadSpec(global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs", name));

    private static MigrationItem Blocking(MigrationReport report, string id) =>
        Assert.Single(report.Blocking, i => i.Id == id);

    [Theory]
    [InlineData("qemu-vtd-legacy.json", "vtd-shadow-4k.json", PlanDecision.Shadow)]
    [InlineData("qemu-vtd-scalable-flts.json", "vtd-shadow-4k.json", PlanDecision.Shadow)]
    [InlineData("qemu-smmuv3.json", "smmuv3-qemu-virt.json", PlanDecision.Nested)]
    public void A_host_to_itself_can_move_in_its_own_mode_with_every_value_alike(string host, string spec, PlanDecision mode)
    {
        var report = Planner.CheckMigration(Spec(spec), Load(host), Load(host));

        Assert.True(report.Verdict == MigrationVerdict.CanMove, report.Describe());
        Assert.Equal(mode, report.Mode);
        Assert.Equal([mode], report.DestinationPlan!.Branches);
        Assert.DoesNotContain(report.Items, i => i.Differs);
        Assert.Contains(report.Items, i => i.Id == Id.ShadowAddressWidth || i.Id == Id.SmmuV3StreamIdBits);
    }

    [Fact]
    public void VTd_legacy_to_scalable_flts_is_refused_for_the_device_the_destination_lacks_and_the_wider_source_IOVA_space_is_no_reason()
    {
        var report = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), Load("qemu-vtd-scalable-flts.json"));

        Assert.Equal(MigrationVerdict.Refused, report.Verdict);
        var missing = Assert.Single(report.Blocking);
        Assert.Equal((Id.MigrationDevice, MigrationRule.Present, "/dev/vfio/devices/vfio1 (0000:00:02.0)", "0000:00:02.0"),
            (missing.Id, missing.Rule, missing.Device, missing.Required));
        Assert.StartsWith("absent (it has: /dev/vfio/devices/vfio0 (0000:00:01.0))", missing.Destination);
        // 48-bit IOAS on the source, 47-bit on the destination: the 39-bit guest needs neither
        var width = Assert.Single(report.Items, i => i.Id == Id.ShadowAddressWidth);
        Assert.Equal((MigrationRule.AtLeast, true, "IOVAs up to 0xffffffffffff", "IOVAs up to 0x7fffffffffff"), (width.Rule, width.Met, width.Source, width.Destination));
    }

    [Fact]
    public void The_VM_of_the_one_device_both_VTd_hosts_have_can_move_either_way()
    {
        var device = new DeviceMove("0000:00:01.0");
        Assert.Equal(MigrationVerdict.CanMove, Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), Load("qemu-vtd-scalable-flts.json"), [device]).Verdict);
        Assert.Equal(MigrationVerdict.CanMove, Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-scalable-flts.json"), Load("qemu-vtd-legacy.json")).Verdict);
    }

    [Fact]
    public void A_48_bit_guest_shadowed_on_VTd_legacy_cannot_move_to_the_47_bit_IOAS_naming_both_values()
    {
        var report = Planner.CheckMigration(Spec("vtd-48bit-iova.json"), Load("qemu-vtd-legacy.json"), Load("qemu-vtd-scalable-flts.json"), [new DeviceMove("vfio0")]);

        Assert.Equal(MigrationVerdict.Refused, report.Verdict);
        var width = Blocking(report, Id.ShadowAddressWidth);
        Assert.Equal((MigrationRule.AtLeast, "IOVAs up to 0xffffffffffff (48-bit input address width)", "IOVAs up to 0xffffffffffff", "IOVAs up to 0x7fffffffffff"),
            (width.Rule, width.Required, width.Source, width.Destination));
    }

    [Fact]
    public void SMMUv3_to_VTd_is_refused_naming_the_architecture_and_the_IOMMU_family()
    {
        var report = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Load("qemu-vtd-legacy.json"));

        Assert.Equal(MigrationVerdict.Refused, report.Verdict);
        var arch = Blocking(report, Id.MigrationArchitecture);
        Assert.Equal(("aarch64", "x86_64", MigrationRule.Exact), (arch.Source, arch.Destination, arch.Rule));
        Assert.All(report.Blocking.Where(i => i.Id == Id.HostModel), family =>
            Assert.Equal(("IOMMU_HW_INFO_TYPE_ARM_SMMUV3", "IOMMU_HW_INFO_TYPE_INTEL_VTD"), (family.Source, family.Destination)));
        Assert.Equal(2, report.Blocking.Count(i => i.Id == Id.HostModel));
        Assert.Equal(PlanDecision.Shadow, report.FreshStartOnDestination); // Shadow on the VT-d host is another mode: no move
    }

    [Fact]
    public void A_VM_whose_plan_on_the_source_is_Refused_is_not_checked_against_the_destination()
    {
        var report = Planner.CheckMigration(Spec("vtd-refused-57bit.json"), Load("qemu-vtd-legacy.json"), Load("qemu-vtd-legacy.json"));

        Assert.Equal(MigrationVerdict.SourceRefused, report.Verdict);
        Assert.Null(report.DestinationPlan);
        Assert.Empty(report.Items);
        Assert.Contains(report.SourceFailures, f => f.Branch == PlanDecision.Shadow && f.Requirement.Id == Id.ShadowAddressWidth);
        Assert.Contains(report.SourceFailures, f => f.Branch == PlanDecision.Nested && f.Requirement.Id == Id.VtdAddressWidth);
        Assert.Contains("the VM cannot run on A", report.Describe("A", "B"));
    }

    [Fact]
    public void An_SMMUv3_destination_with_fewer_stream_id_bits_is_refused_naming_both_values_and_the_rule()
    {
        var report = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Edited("qemu-smmuv3.json", SmmuV3StreamIdBits(8)));

        Assert.Equal(MigrationVerdict.Refused, report.Verdict);
        var sid = report.Blocking.Where(i => i.Id == Id.SmmuV3StreamIdBits).ToList();
        Assert.Equal(2, sid.Count);
        Assert.All(sid, i => Assert.Equal((MigrationRule.AtLeast, "16 bits", "16 bits", "8 bits"), (i.Rule, i.Required, i.Source, i.Destination)));
        Assert.Contains("[at-least]: guest needs 16 bits; source 16 bits, destination 8 bits", sid[0].ToString());
    }

    [Fact]
    public void Wider_limits_at_the_destination_serve_the_guest_and_are_reported_as_different()
    {
        var wider = Edited("qemu-smmuv3.json", device => { SmmuV3StreamIdBits(20)(device); SmmuV3Oas(5)(device); });
        var report = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), wider);

        Assert.True(report.Verdict == MigrationVerdict.CanMove, report.Describe());
        Assert.Contains(report.Items, i => i is { Id: Id.SmmuV3StreamIdBits, Source: "16 bits", Destination: "20 bits", Met: true });
        Assert.Contains(report.Items, i => i is { Id: Id.SmmuV3OutputAddressSize, Source: "44 bits", Destination: "48 bits", Met: true });
    }

    [Fact]
    public void A_narrower_OAS_or_another_granule_set_is_refused_at_least_and_exact()
    {
        var narrower = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Edited("qemu-smmuv3.json", SmmuV3Oas(3)));
        Assert.Equal(2, narrower.Blocking.Count());
        Assert.All(narrower.Blocking, i => Assert.Equal((Id.SmmuV3OutputAddressSize, MigrationRule.AtLeast, "44 bits", "42 bits"), (i.Id, i.Rule, i.Source, i.Destination)));

        // 4K only where the source had 4K+16K+64K: a guest that sees the granules sees them change, though 4K remains
        var granules = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Edited("qemu-smmuv3.json", SmmuV3Granules(0b001)));
        Assert.All(granules.Blocking, i => Assert.Equal((Id.SmmuV3Granules, MigrationRule.Exact, "4K+16K+64K", "4K"), (i.Id, i.Rule, i.Source, i.Destination)));
        Assert.Equal(2, granules.Blocking.Count());
    }

    [Fact]
    public void A_fixed_spec_is_compared_with_the_guests_value_not_the_sources()
    {
        // the guest was shown 8 stream id bits: a destination with 12 serves it, though the source had 16
        var guest = Spec("smmuv3-qemu-virt.json") with { Model = new ArmSmmuV3Model(TwoLevelStreamTable: true, StreamIdBits: 8, RangeInvalidation: true, OutputAddressBits: 44, Granule16K: true, Granule64K: true) };
        var report = Planner.CheckMigration(guest, Load("qemu-smmuv3.json"), Edited("qemu-smmuv3.json", SmmuV3StreamIdBits(12)));

        Assert.True(report.Verdict == MigrationVerdict.CanMove, report.Describe());
        Assert.Contains(report.Items, i => i is { Id: Id.SmmuV3StreamIdBits, Required: "8 bits", Source: "16 bits", Destination: "12 bits", Met: true });
    }

    [Fact]
    public void A_host_passthrough_guest_keeps_the_sources_values_on_the_destination()
    {
        var source = Load("qemu-smmuv3.json");
        var guest = Planner.PassThrough(source);
        Assert.True(guest.HostPassthrough);

        var narrower = Planner.CheckMigration(guest, source, Edited("qemu-smmuv3.json", SmmuV3StreamIdBits(12)));
        Assert.Equal(MigrationVerdict.Refused, narrower.Verdict);
        Assert.All(narrower.Blocking, i => Assert.Equal((Id.SmmuV3StreamIdBits, "16 bits", "12 bits"), (i.Id, i.Required, i.Destination)));
        // a wider destination would show a guest started there more, but this guest keeps what the source showed it
        Assert.Equal(MigrationVerdict.CanMove, Planner.CheckMigration(guest, source, Edited("qemu-smmuv3.json", SmmuV3StreamIdBits(20))).Verdict);
        Assert.Contains("[host-passthrough: the values A showed the guest]", Planner.CheckMigration(guest, source, source).Describe("A", "B"));
    }

    [Fact]
    public void The_running_mode_is_kept_a_VM_shadowed_where_it_could_nest_moves_as_Shadow()
    {
        var report = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Edited("qemu-smmuv3.json", SmmuV3StreamIdBits(8)), mode: PlanDecision.Shadow);

        Assert.True(report.Verdict == MigrationVerdict.CanMove, report.Describe());
        Assert.Equal(PlanDecision.Shadow, report.Mode);
        Assert.DoesNotContain(report.Items, i => i.Id == Id.SmmuV3StreamIdBits); // a nested check: not the running mode's
        Assert.Equal(PlanDecision.Shadow, report.FreshStartOnDestination);
    }

    [Fact]
    public void Devices_that_share_an_IOMMU_group_on_the_destination_but_not_on_the_source_are_refused()
    {
        var report = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), Edited("qemu-vtd-legacy.json", d => d["iommuGroup"] = 7));

        var groups = Blocking(report, Id.MigrationIommuGroups);
        Assert.Equal(("{/dev/vfio/devices/vfio0 (0000:00:01.0)} {/dev/vfio/devices/vfio1 (0000:00:02.0)}",
            "{/dev/vfio/devices/vfio0 (0000:00:01.0), /dev/vfio/devices/vfio1 (0000:00:02.0)}"), (groups.Source, groups.Destination));
    }

    [Fact]
    public void Dirty_tracking_decides_for_a_spec_that_asks_for_it_on_both_hosts_and_names_what_the_kernel_lacks()
    {
        var guest = Spec("vtd-shadow-4k.json") with { DirtyTracking = true };
        var dirty = Capabilities(HwCapabilities.DirtyTracking);
        var source = Edited("qemu-vtd-legacy.json", dirty);

        Assert.Equal(MigrationVerdict.CanMove, Planner.CheckMigration(guest, source, source).Verdict);
        var none = Planner.CheckMigration(guest, source, Load("qemu-vtd-legacy.json"));
        Assert.All(none.Blocking, i => Assert.Equal((Id.MigrationDirtyTracking, "IOMMU_HW_CAP_DIRTY_TRACKING", "no IOMMU_HW_CAP_DIRTY_TRACKING"), (i.Id, i.Source, i.Destination)));
        var kernel = EditedRoot("qemu-vtd-legacy.json", root => { root["kernelLacks"] = new System.Text.Json.Nodes.JsonArray("IOMMU_HWPT_GET_DIRTY_BITMAP"); foreach (var d in root["devices"]!.AsArray()) dirty(d!.AsObject()); });
        Assert.Contains(Planner.CheckMigration(guest, source, kernel).Blocking, i => i.Destination == "IOMMU_HW_CAP_DIRTY_TRACKING, kernel 7.3.4 lacks IOMMU_HWPT_GET_DIRTY_BITMAP");

        // without dirtyTracking in the spec it is reported, not deciding
        var unasked = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), Load("qemu-vtd-legacy.json"));
        Assert.All(unasked.Items.Where(i => i.Id == Id.MigrationDirtyTracking), i => Assert.True(i.Met && i.Note!.StartsWith("without it the pages the device writes", StringComparison.Ordinal)));
        Assert.Contains(MigrationReport.DeviceMigrationNotRecorded, unasked.NotChecked);
    }

    [Fact]
    public void Devices_are_named_by_PCI_address_cdev_or_source_and_destination_apart()
    {
        var legacy = Load("qemu-vtd-legacy.json");
        var crossed = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), legacy, legacy, [new DeviceMove("vfio0", "0000:00:02.0")]);
        Assert.Equal("/dev/vfio/devices/vfio1 (0000:00:02.0)", Assert.Single(crossed.Devices).Destination);

        var absent = Assert.Throws<ArgumentException>(() => Planner.CheckMigration(Spec("vtd-shadow-4k.json"), legacy, legacy, [new DeviceMove("0000:00:09.0")]));
        Assert.StartsWith("the VM's device '0000:00:09.0' is not on the source host (it has: /dev/vfio/devices/vfio0 (0000:00:01.0), /dev/vfio/devices/vfio1 (0000:00:02.0))", absent.Message);
        Assert.Throws<ArgumentException>(() => Planner.CheckMigration(Spec("vtd-shadow-4k.json"), legacy, legacy, [new DeviceMove("vfio0"), new DeviceMove("0000:00:01.0")]));
        Assert.Throws<ArgumentException>(() => Planner.CheckMigration(Spec("vtd-shadow-4k.json"), legacy, legacy, mode: PlanDecision.Refused));
    }

    /// <summary>Debian's 7.3 as recorded through its type1 container (no iommufd): the values of RecordedContainerTests.</summary>
    private static RecordedHost Debian => new("7.3.4+deb13-amd64", "x86_64", 4096, [])
    {
        Container = new RecordedContainer(new Type1Info(0x4020_1000, [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, 0xffff_ffff_ffff)], 65535),
            [new RecordedContainerDevice("0000:00:01.0", 1), new RecordedContainerDevice("0000:00:02.0", 2)], ["CONFIG_IOMMUFD is not set"]),
    };

    [Fact]
    public void A_shadowed_VM_moves_between_an_iommufd_host_and_a_type1_container_host_either_way()
    {
        var there = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), Debian);
        Assert.True(there.Verdict == MigrationVerdict.CanMove, there.Describe());
        Assert.Equal(("/dev/vfio/devices/vfio0 (0000:00:01.0)", "0000:00:01.0", "type1 container (no IOMMU_GET_HW_INFO)"),
            (there.Devices[0].Source, there.Devices[0].Destination, there.Devices[0].DestinationIommu));
        Assert.Contains(MigrationReport.ContainerDirtyTrackingNotRecorded, there.NotChecked);
        Assert.All(there.Items.Where(i => i.Id == Id.MigrationDirtyTracking), i => Assert.Equal("not recorded (type1 container: VFIO_IOMMU_DIRTY_PAGES)", i.Destination));

        // the container's migration capability, as a live recording reads it (records written to JSON do not keep it)
        var live = Debian with { Container = Debian.Container! with { Info = Debian.Container.Info with { DirtyTracking = new Type1DirtyTracking(0x1000, 256UL << 20) } } };
        var toLive = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Load("qemu-vtd-legacy.json"), live);
        Assert.DoesNotContain(MigrationReport.ContainerDirtyTrackingNotRecorded, toLive.NotChecked);
        Assert.All(toLive.Items.Where(i => i.Id == Id.MigrationDirtyTracking), i => Assert.StartsWith("type1 VFIO_IOMMU_DIRTY_PAGES (4 KiB pages", i.Destination));

        var back = Planner.CheckMigration(Spec("vtd-shadow-4k.json"), Debian, Load("qemu-vtd-legacy.json"));
        Assert.True(back.Verdict == MigrationVerdict.CanMove, back.Describe());
        Assert.Equal(PlanDecision.Shadow, back.Mode);
    }

    [Fact]
    public void A_nested_VM_cannot_move_to_a_host_without_iommufd_and_host_passthrough_has_nothing_to_derive_there()
    {
        var report = Planner.CheckMigration(Spec("smmuv3-qemu-virt.json"), Load("qemu-smmuv3.json"), Debian);

        Assert.Equal(MigrationVerdict.Refused, report.Verdict);
        Assert.Contains(report.Blocking, i => i.Id == Id.KernelIommufd && i.Destination.Contains("CONFIG_IOMMUFD is not set", StringComparison.Ordinal));
        Assert.StartsWith("host-passthrough derives the spec from IOMMU_GET_HW_INFO", Assert.Throws<InvalidOperationException>(() => Planner.PassThrough(Debian)).Message);
    }

    [Fact]
    public void Every_requirement_id_has_a_migration_rule()
    {
        var ids = typeof(RequirementId).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order().ToList();

        Assert.Equal(ids, MigrationRules.Classified.Order());
        Assert.Equal(MigrationRule.Model, MigrationRules.Of("selftest.whatever"));
    }

    [Fact]
    public void The_matrix_has_every_ordered_pair_and_says_where_the_VM_cannot_run()
    {
        var hosts = new HostFleet(new[] { "qemu-smmuv3.json", "qemu-vtd-legacy.json", "qemu-vtd-scalable-flts.json" }.Select(h => new FleetHost(h, Load(h))));
        var matrix = MigrationMatrix.Check(Planner, Spec("vtd-shadow-4k.json"), hosts);

        Assert.Equal(9, matrix.Cells.Count);
        Assert.All(Enumerable.Range(0, 3), to => Assert.Equal(MigrationVerdict.SourceRefused, matrix[0, to].Verdict));
        Assert.Equal([MigrationVerdict.Refused, MigrationVerdict.CanMove, MigrationVerdict.Refused], Enumerable.Range(0, 3).Select(to => matrix[1, to].Verdict));
        Assert.Equal([MigrationVerdict.Refused, MigrationVerdict.CanMove, MigrationVerdict.CanMove], Enumerable.Range(0, 3).Select(to => matrix[2, to].Verdict));
        var table = matrix.Describe();
        Assert.Contains("qemu-vtd-legacy.json -> qemu-vtd-scalable-flts.json: ✗ device on the destination", table);
        Assert.Contains("qemu-smmuv3.json: the VM cannot run there (its plan is Refused: host.model", table);
    }
}
