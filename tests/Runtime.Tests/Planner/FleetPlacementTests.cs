using System.Text.Json;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Placement across a fleet (<see cref="ViommuPlanner.Place"/>): every spec of examples/specs on every host
/// recorded in tests/data/hosts, cell for cell what <see cref="ViommuPlanner.Plan(GuestViommuSpec, RecordedHost)"/>
/// decides for that host alone, with the requirement that decided it; and the same in a fleet of many hosts that share
/// facts, where the planner remembers its rules per fact.</summary>
public class FleetPlacementTests
{
    private static readonly ViommuPlanner Planner = MockPlanning.Planner();

    private static string HostsFolder => global::Iommu.Tests.Shared.RepositoryRoot.Combine("tests", "data", "hosts");

    private static readonly string[] SpecFiles = [.. Directory.GetFiles(global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs"), "*.json").Order(StringComparer.Ordinal)];

    private static readonly IReadOnlyList<(string Name, GuestViommuSpec Spec)> Specs = [.. SpecFiles.Select(f => (Path.GetFileNameWithoutExtension(f), Planner.LoadSpec(f)))];

    private static readonly FleetPlacement Recorded = Planner.Place(Specs, HostFleet.Load([HostsFolder]));

    private static Placement Cell(string spec, string host) =>
        Recorded[Specs.Select(s => s.Name).ToList().IndexOf(spec), Recorded.Fleet.Hosts.Select(h => h.Name).ToList().IndexOf(host)];

    /// <summary>Each cell by the rules: Shadow names the first nested requirement that failed, Refused the first shadow
    /// one. The IOASes: qemu-smmuv3 [0, 0x7ffffff] and [0x8100000, 2^48-1] (virt's MSI window between), qemu-vtd-legacy
    /// up to 2^48-1 with the window at 0xfee00000, qemu-vtd-scalable-flts up to 2^47-1, selftest-mock [0x1000000,
    /// 0x7fffffff].</summary>
    [Theory]
    // VT-d guests that write second-stage tables: never nested; shadowed where the IOAS reaches their width and holds their ranges
    [InlineData("vtd-shadow-4k", "qemu-vtd-legacy", PlanDecision.Shadow, Id.VtdGuestFirstStage)]
    [InlineData("vtd-shadow-4k", "qemu-vtd-scalable-flts", PlanDecision.Shadow, Id.VtdGuestFirstStage)]
    [InlineData("vtd-shadow-4k", "qemu-smmuv3", PlanDecision.Refused, Id.ShadowIovaRange)] // [0, 0xfedfffff] crosses virt's MSI window
    [InlineData("vtd-shadow-4k", "selftest-mock", PlanDecision.Refused, Id.ShadowAddressWidth)] // 2^39-1 above the mock's 0x7fffffff
    [InlineData("vtd-48bit-iova", "qemu-vtd-legacy", PlanDecision.Shadow, Id.VtdGuestFirstStage)]
    [InlineData("vtd-48bit-iova", "qemu-vtd-scalable-flts", PlanDecision.Refused, Id.ShadowAddressWidth)] // 2^48-1 above 2^47-1
    [InlineData("vtd-48bit-iova", "qemu-smmuv3", PlanDecision.Refused, Id.ShadowIovaRange)]
    [InlineData("vtd-refused-57bit", "qemu-vtd-legacy", PlanDecision.Refused, Id.ShadowAddressWidth)]
    [InlineData("vtd-refused-57bit", "qemu-vtd-scalable-flts", PlanDecision.Refused, Id.ShadowAddressWidth)]
    [InlineData("vtd-refused-57bit", "qemu-smmuv3", PlanDecision.Refused, Id.ShadowAddressWidth)]
    // the SMMUv3 guest: nested on QEMU's SMMUv3; shadowed (the engine walks its stage-1 tables) where the host IOMMU is another
    [InlineData("smmuv3-qemu-virt", "qemu-smmuv3", PlanDecision.Nested, null)]
    [InlineData("smmuv3-qemu-virt", "qemu-vtd-legacy", PlanDecision.Shadow, Id.HostModel)]
    [InlineData("smmuv3-qemu-virt", "qemu-vtd-scalable-flts", PlanDecision.Refused, Id.ShadowAddressWidth)]
    [InlineData("smmuv3-qemu-virt", "selftest-mock", PlanDecision.Refused, Id.ShadowAddressWidth)]
    // the mock's guest: nested on the mock only; its 48-bit width is above every IOAS but the two that reach 2^48-1
    [InlineData("mock-nested", "selftest-mock", PlanDecision.Nested, null)]
    [InlineData("mock-nested", "qemu-vtd-scalable-flts", PlanDecision.Refused, Id.ShadowAddressWidth)]
    public void Each_recorded_host_places_each_example_spec_by_the_rules(string spec, string host, PlanDecision decision, string? deciding)
    {
        var cell = Cell(spec, host);

        Assert.Equal((decision, deciding), (cell.Decision, cell.Deciding?.Requirement.Id));
        Assert.Equal(decision == PlanDecision.Nested, cell.NotNested is null);
        Assert.Equal(decision == PlanDecision.Refused, cell.NotShadow is not null);
    }

    [Fact]
    public void Every_cell_is_what_planning_that_host_alone_decides()
    {
        for (var spec = 0; spec < Specs.Count; spec++)
        {
            for (var host = 0; host < Recorded.Fleet.Hosts.Count; host++)
            {
                AssertSameAsPlan(Recorded[spec, host], Planner.Plan(Specs[spec].Spec, Recorded.Fleet.Hosts[host].Record));
            }
        }
    }

    /// <summary>400 hosts made from the recorded ones, many sharing an IOMMU, an IOAS or a kernel with others and many
    /// not: a rule remembered for one fact must never answer for another.</summary>
    [Fact]
    public void A_fleet_of_hosts_sharing_facts_places_each_as_planning_it_alone_would()
    {
        var fleet = new HostFleet(global::Iommu.Tests.Shared.SyntheticFleet.Make(global::Iommu.Tests.Shared.SyntheticFleet.Recorded(), 400, distinctEvery: 5));
        var placement = Planner.Place(Specs, fleet);

        for (var spec = 0; spec < Specs.Count; spec++)
        {
            for (var host = 0; host < fleet.Hosts.Count; host++) AssertSameAsPlan(placement[spec, host], Planner.Plan(Specs[spec].Spec, fleet.Hosts[host].Record));
        }
        // the fleet really mixes the decisions: every spec that some host can take (not the 57-bit one) is placed on
        // some hosts and refused on others
        Assert.All(Enumerable.Range(0, Specs.Count).Where(spec => Specs[spec].Name != "vtd-refused-57bit"),
            spec => Assert.InRange(placement.Count(spec, PlanDecision.Refused), 1, fleet.Hosts.Count - 1));
        Assert.Equal(["vtd-refused-57bit"], placement.Unplaced);
    }

    /// <summary>Hosts without iommufd, recorded through their type1 container (values of Debian's 7.3 guest), join a
    /// fleet: Shadow into the container where it holds the guest, never Nested, for want of iommufd.</summary>
    [Fact]
    public void Hosts_recorded_through_the_type1_container_place_as_planning_them_alone_would()
    {
        RecordedHost Debian(ulong top) => new("7.3.4+deb13-amd64", "x86_64", 4096, [])
        {
            Container = new RecordedContainer(new Type1Info(0x4020_1000, [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, top)], 65535),
                [new RecordedContainerDevice("0000:00:01.0", 1)], ["CONFIG_IOMMUFD is not set in /boot/config-7.3.4+deb13-amd64"]),
        };
        var fleet = new HostFleet([.. Recorded.Fleet.Hosts, new FleetHost("debian-48", Debian(0xffff_ffff_ffff)), new FleetHost("debian-48-again", Debian(0xffff_ffff_ffff)),
            new FleetHost("debian-39", Debian(0x7f_ffff_ffff))]);

        var placement = Planner.Place(Specs, fleet);

        for (var spec = 0; spec < Specs.Count; spec++)
        {
            for (var host = 0; host < fleet.Hosts.Count; host++) AssertSameAsPlan(placement[spec, host], Planner.Plan(Specs[spec].Spec, fleet.Hosts[host].Record));
        }
        var vtd48 = Specs.Select(s => s.Name).ToList().IndexOf("vtd-48bit-iova");
        Assert.Equal((PlanDecision.Shadow, Id.KernelIommufd), (placement[vtd48, 4].Decision, placement[vtd48, 4].Deciding?.Requirement.Id));
        Assert.Equal((PlanDecision.Refused, Id.ShadowAddressWidth), (placement[vtd48, 6].Decision, placement[vtd48, 6].Deciding?.Requirement.Id));
    }

    private static void AssertSameAsPlan(Placement cell, PlanReport alone)
    {
        Assert.Equal(alone.Decision, cell.Decision);
        Assert.Equal(alone.Decision == PlanDecision.Nested ? default : alone.Failures(PlanDecision.Nested).First(), cell.NotNested is { } n ? (n.Device, n.Requirement) : default);
        Assert.Equal(alone.Decision == PlanDecision.Refused ? alone.Failures(PlanDecision.Shadow).First() : default, cell.NotShadow is { } s ? (s.Device, s.Requirement) : default);
    }

    [Fact]
    public void The_specs_refused_everywhere_are_named_and_the_table_says_so()
    {
        Assert.Equal(["vtd-refused-57bit"], Recorded.Unplaced);
        var table = Recorded.Describe().Split('\n');

        Assert.Equal(["host", .. Specs.Select(s => s.Name)], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var legacy = table.Single(l => l.StartsWith("qemu-vtd-legacy ", StringComparison.Ordinal));
        Assert.Contains($"  Shadow {Id.VtdGuestFirstStage}  ", legacy);
        Assert.Contains($"  REFUSED {Id.ShadowAddressWidth}  ", legacy);
        Assert.Contains("vtd-refused-57bit: placed on no host", table);
        Assert.Contains("smmuv3-qemu-virt: placed on 2 of 4 host(s) (Nested 1, Shadow 1)", table);
    }

    [Fact]
    public void The_JSON_names_its_format_and_lists_the_first_failure_of_every_branch_tried()
    {
        using var json = JsonDocument.Parse(FleetPlacementJson.Write(Recorded));
        var root = json.RootElement;

        Assert.Equal("linux-iommu-placement/1", root.GetProperty("format").GetString());
        Assert.Equal(Recorded.Fleet.Hosts.Select(h => h.Name), root.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
        Assert.Equal(["vtd-refused-57bit"], root.GetProperty("unplaced").EnumerateArray().Select(s => s.GetString()));
        foreach (var (spec, s) in root.GetProperty("specs").EnumerateArray().Select((s, i) => (s, i)))
        {
            var placements = spec.GetProperty("placements").EnumerateArray().ToList();
            Assert.Equal(Recorded.Fleet.Hosts.Count, placements.Count);
            foreach (var (cell, h) in placements.Select((c, i) => (c, i)))
            {
                var expected = Recorded[s, h];
                Assert.Equal(expected.Decision.ToString().ToLowerInvariant(), cell.GetProperty("decision").GetString());
                var failed = cell.GetProperty("failed").EnumerateArray().Select(f => $"{f.GetProperty("branch").GetString()}:{f.GetProperty("id").GetString()}");
                Assert.Equal(new[] { ("nested", expected.NotNested), ("shadow", expected.NotShadow) }.Where(f => f.Item2 is not null).Select(f => $"{f.Item1}:{f.Item2!.Requirement.Id}"), failed);
            }
            Assert.Equal(placements.Count(p => p.GetProperty("decision").GetString() == "shadow"), spec.GetProperty("shadow").GetInt32());
        }
    }

    [Fact]
    public void A_fleet_loads_folders_in_name_order_and_refuses_what_it_cannot_name()
    {
        Assert.Equal(["qemu-smmuv3", "qemu-vtd-legacy", "qemu-vtd-scalable-flts", "selftest-mock"], Recorded.Fleet.Hosts.Select(h => h.Name));
        var twice = Assert.Throws<RecordedHostException>(() => HostFleet.Load([HostsFolder, Path.Combine(HostsFolder, "qemu-smmuv3.json")]));
        Assert.Equal((Path.Combine(HostsFolder, "qemu-smmuv3.json"), "(file)"), (twice.Origin, twice.Field));
        Assert.Equal("(file)", Assert.Throws<RecordedHostException>(() => HostFleet.Load(["/nonexistent/hosts"])).Field);
        var empty = Directory.CreateTempSubdirectory("empty-fleet-");
        try
        {
            Assert.Equal("recorded host " + empty.FullName + ": (folder): holds no recorded host (*.json)", Assert.Throws<RecordedHostException>(() => HostFleet.Load([empty.FullName])).Message);
        }
        finally
        {
            empty.Delete();
        }
        Assert.Throws<ArgumentException>(() => new HostFleet([]));
    }

    [Fact]
    public void A_spec_of_a_model_the_planner_does_not_have_is_refused_before_anything_is_placed()
    {
        var mock = Specs.Single(s => s.Name == "mock-nested");

        Assert.Throws<ArgumentException>(() => new ViommuPlanner().Place([mock], Recorded.Fleet));
    }
}
