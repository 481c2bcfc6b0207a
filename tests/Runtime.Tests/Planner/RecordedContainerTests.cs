using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.RecordedHosts;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Tests.Planner;

/// <summary>A host without iommufd recorded through its type1 container (values of Debian's 7.3 guest: edu's group in a
/// container behind QEMU's VT-d): written, read back, planned as the live host plans it.</summary>
public class RecordedContainerTests
{
    private static readonly RecordedHost Debian = new("7.3.4+deb13-amd64", "x86_64", 4096, [])
    {
        Container = new RecordedContainer(new Type1Info(0x4020_1000, [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, 0xffff_ffff_ffff)], 65535)
            {
                DirtyTracking = new Type1DirtyTracking(0x1000, 0x1000_0000), // as Debian's 7.3 container reports it
            },
            [new RecordedContainerDevice("0000:00:01.0", 1), new RecordedContainerDevice("0000:00:02.0", 2)],
            ["CONFIG_IOMMUFD is not set in /boot/config-7.3.4+deb13-amd64: this kernel was built without it (the distribution's choice; no module to load)"]),
    };

    private static RecordedHostException Refused(string json) => Assert.Throws<RecordedHostException>(() => RecordedHostJson.Parse(json, "debian.json"));

    [Fact]
    public void A_container_host_reads_back_field_for_field()
    {
        var back = RecordedHostJson.Parse(RecordedHostJson.Write(Debian));

        Assert.Empty(back.Devices);
        var container = Assert.IsType<RecordedContainer>(back.Container);
        Assert.Equal((Debian.Container!.Info.PageSizes, Debian.Container.Info.DmaMappingsAvailable), (container.Info.PageSizes, container.Info.DmaMappingsAvailable));
        Assert.Equal(Debian.Container.Info.IovaRanges, container.Info.IovaRanges);
        Assert.Equal(Debian.Container.Info.DirtyTracking, container.Info.DirtyTracking);
        Assert.Equal(Debian.Container.Devices, container.Devices);
        Assert.Equal(Debian.Container.IommufdMissing, container.IommufdMissing);
        Assert.Equal(RecordedHostJson.Write(Debian), RecordedHostJson.Write(back));
    }

    [Fact]
    public void It_plans_Shadow_into_the_container_and_nesting_names_the_kernels_missing_iommufd()
    {
        var report = new ViommuPlanner().Plan(Vtd(width: 39), Debian);

        Assert.Equal(PlanDecision.Shadow, report.Decision);
        Assert.Equal("the legacy VFIO type1 container", report.ShadowTarget);
        var nested = report.Failures(PlanDecision.Nested).Select(f => f.Requirement).Distinct().ToList();
        Assert.Equal(Id.KernelIommufd, Assert.Single(nested).Id);
        Assert.Contains("CONFIG_IOMMUFD is not set", nested[0].Offered);
        Assert.Equal(["0000:00:01.0", "0000:00:02.0"], report.Devices.Select(d => d.Device));
    }

    [Fact]
    public void A_guest_wider_than_the_containers_ranges_is_refused()
    {
        var report = new ViommuPlanner().Plan(Vtd(width: 57, ranges: [new IovaRange(0, (1UL << 56) - 1)]), Debian);

        Assert.Equal(PlanDecision.Refused, report.Decision);
    }

    [Theory]
    [InlineData("\"iovaPageSizes\": \"0x40201000\"", "\"iovaPageSizes\": \"lots\"", "container.iovaPageSizes")]
    [InlineData("\"iommuGroup\": 2", "\"iommuGroup\": -2", "container.devices[1].iommuGroup")]
    [InlineData("\"iommuGroup\": 2", "\"group\": 2", "container.devices[1].group")]
    [InlineData("\"start\": \"0xfef00000\"", "\"start\": \"0x1000\"", "container.iovaRanges[1]")]
    [InlineData("\"dmaMappingsAvailable\": 65535", "\"dmaMappingsAvailable\": -1", "container.dmaMappingsAvailable")]
    [InlineData("\"maxBitmapBytes\": \"0x10000000\"", "\"maxBitmap\": \"0x10000000\"", "container.dirtyTracking.maxBitmap")]
    [InlineData("\"name\": \"0000:00:02.0\"", "\"name\": \"0000:00:01.0\"", "container.devices")]
    public void Every_bad_container_field_is_named_with_its_path(string good, string bad, string field)
    {
        var valid = RecordedHostJson.Write(Debian);
        Assert.Contains(good, valid);
        var e = Refused(valid.Replace(good, bad));
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"recorded host debian.json: {field}: ", e.Message);
    }

    [Fact]
    public void The_tool_plans_against_it_and_refuses_to_derive_a_passthrough_spec_from_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"debian-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, RecordedHostJson.Write(Debian));
        try
        {
            var (exit, output, _) = IommuToolTests.Iommu("plan", "--spec", "examples/specs/vtd-shadow-4k.json", "--host", file);
            Assert.Equal((Linux.Iommu.Cli.ExitCodes.Ok, true), (exit, output.Contains("2 device(s) in a type1 container", StringComparison.Ordinal)));
            Assert.Contains("Decision: SHADOW - the guest's IO page tables are shadowed into the legacy VFIO type1 container", output);

            var (refusedExit, _, error) = IommuToolTests.Iommu("plan", "--host-passthrough", "--host", file);
            Assert.Equal(Linux.Iommu.Cli.ExitCodes.Error, refusedExit);
            Assert.Contains("recorded through the type1 container", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_record_with_both_devices_and_a_container_is_refused()
    {
        var both = RecordedHostJson.Write(Debian).Replace("\"container\":", "\"devices\": [],\n  \"container\":");

        Assert.Equal("devices", Refused(both).Field);
    }
}
