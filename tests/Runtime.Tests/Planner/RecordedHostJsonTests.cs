using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.RecordedHosts;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The recorded-host file (linux-iommu-host/1): what is written reads back the same, every bad field is named,
/// and the IOAS the planner sees is the one all devices attached together would give.</summary>
public class RecordedHostJsonTests
{
    private static readonly RecordedHost TwoDevices = new("7.3.4", "x86_64", 4096,
    [
        new RecordedDevice("/dev/vfio/devices/vfio0 (0000:00:03.0)", 3, QemuVtdLegacy, [new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000, (1UL << 39) - 1)], 4096),
        new RecordedDevice("/dev/vfio/devices/vfio1 (0000:00:04.0)", null, QemuVtdLegacy, [new IovaRange(0x1000, (1UL << 48) - 1)], 0x10000),
    ]);

    private static RecordedHostException Refused(string json) => Assert.Throws<RecordedHostException>(() => RecordedHostJson.Parse(json, "host.json"));

    private static string Valid => RecordedHostJson.Write(TwoDevices);

    [Fact]
    public void A_written_host_reads_back_field_for_field()
    {
        var read = RecordedHostJson.Parse(Valid);

        Assert.Equal((TwoDevices.Kernel, TwoDevices.Architecture, TwoDevices.HostPageSize), (read.Kernel, read.Architecture, read.HostPageSize));
        Assert.Equal(TwoDevices.Devices.Select(d => (d.Name, d.IommuGroup, d.HwInfo, d.IovaAlignment)), read.Devices.Select(d => (d.Name, d.IommuGroup, d.HwInfo, d.IovaAlignment)));
        Assert.Equal(TwoDevices.Devices.SelectMany(d => d.IovaRanges), read.Devices.SelectMany(d => d.IovaRanges));
        Assert.Equal(0x00d2008c22260206UL, read.Devices[0].HwInfo.Vtd!.CapReg); // decoded again from the raw bytes
    }

    [Fact]
    public void The_file_keeps_the_raw_hw_info_and_names_known_types()
    {
        Assert.Contains("\"type\": \"IOMMU_HW_INFO_TYPE_INTEL_VTD\"", Valid);
        Assert.Contains("\"data\": \"0000000000000000060226228c00d2004a0ff00000000000\"", Valid);
        var selftest = TwoDevices with { Devices = [TwoDevices.Devices[0] with { HwInfo = HwInfo.Decode((HwInfoType)0xfeedbeef, [1, 2, 3, 4], 1, 0) }] };
        var text = RecordedHostJson.Write(selftest);
        Assert.Contains("\"type\": \"0xfeedbeef\"", text);
        Assert.Equal(0xfeedbeefu, (uint)RecordedHostJson.Parse(text).Devices[0].HwInfo.Type);
    }

    [Fact]
    public void The_IOAS_of_all_devices_is_the_intersection_of_their_ranges_with_the_largest_alignment()
    {
        var ioas = TwoDevices.Ioas;

        Assert.Equal([new IovaRange(0x1000, 0xfedfffff), new IovaRange(0xfef00000, (1UL << 39) - 1)], ioas.IovaRanges);
        Assert.Equal((0x10000UL, 4096UL), (ioas.IovaAlignment, ioas.HostPageSize));
    }

    [Theory]
    [InlineData("\"format\": \"linux-iommu-host/1\"", "\"format\": \"linux-iommu-host/2\"", "format")]
    [InlineData("\"hostPageSize\": 4096", "\"hostPageSize\": 3000", "hostPageSize")]
    [InlineData("\"data\": \"0000000000000000060226228c00d2004a0ff00000000000\"", "\"data\": \"00zz\"", "devices[0].hwInfo.data")]
    [InlineData("\"data\": \"0000000000000000060226228c00d2004a0ff00000000000\"", "\"data\": \"00000000\"", "devices[0].hwInfo.data")]
    [InlineData("\"maxPasidLog2\": 0", "\"maxPasidLog2\": 300", "devices[0].hwInfo.maxPasidLog2")]
    [InlineData("\"iommuGroup\": 3", "\"iommuGroup\": -1", "devices[0].iommuGroup")]
    [InlineData("\"iommuGroup\": 3", "\"iommuGroups\": 3", "devices[0].iommuGroups")]
    [InlineData("\"iovaAlignment\": \"0x10000\"", "\"iovaAlignment\": \"0x3000\"", "devices[1].iovaAlignment")]
    [InlineData("\"start\": \"0xfef00000\"", "\"start\": \"0x1000\"", "devices[0].iovaRanges[1]")]
    [InlineData("\"kernel\": \"7.3.4\",", "", "kernel")]
    public void Every_bad_field_is_named_with_its_path(string good, string bad, string field)
    {
        Assert.Contains(good, Valid);
        var e = Refused(Valid.Replace(good, bad));
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"recorded host host.json: {field}: ", e.Message);
    }

    [Fact]
    public void A_host_without_devices_or_with_a_name_twice_is_refused()
    {
        Assert.Equal("devices", Refused("""{ "format": "linux-iommu-host/1", "kernel": "7.3.4", "architecture": "x86_64", "hostPageSize": 4096, "devices": [] }""").Field);
        var twice = TwoDevices with { Devices = [TwoDevices.Devices[0], TwoDevices.Devices[0]] };
        Assert.Contains("given twice", Refused(RecordedHostJson.Write(twice)).Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<RecordedHostException>(() => RecordedHostJson.Load("/nonexistent/host.json"));
        Assert.Equal("recorded host /nonexistent/host.json: (file): does not exist", e.Message);
        Assert.Equal(("/nonexistent/host.json", "(file)", "does not exist"), (e.Origin, e.Field, e.Problem));
    }
}
