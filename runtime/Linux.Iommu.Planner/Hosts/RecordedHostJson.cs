using System.Numerics;
using System.Text;
using System.Text.Json;
using Linux.Iommu.Planner.Native;

namespace Linux.Iommu.Planner;

/// <summary>The file format of a <see cref="RecordedHost"/> (<c>linux-iommu-host/1</c>, documented in
/// runtime/Linux.Iommu.Planner/README.md): the raw IOMMU_GET_HW_INFO of each device (decoded again when read, so a
/// newer decoder reads an old record), its IOVA ranges and alignment, its IOMMU group, the host's page size; for a host
/// without iommufd, <c>container</c> instead of <c>devices</c>: what its type1 container reported. Reading validates
/// every field and names the first bad one (<see cref="RecordedHostException"/>).</summary>
public static class RecordedHostJson
{
    /// <summary>The <c>format</c> value this version writes and reads.</summary>
    public const string Format = "linux-iommu-host/1";

    private const string FormatFamily = "linux-iommu-host/";

    private static readonly string[] Known = ["format", "kernel", "architecture", "hostPageSize", "devices", "kernelLacks", "container"];
    private static readonly string[] ContainerFields = ["iovaPageSizes", "iovaRanges", "dmaMappingsAvailable", "dirtyTracking", "devices", "iommufdMissing"];
    private static readonly string[] DirtyTrackingFields = ["pageSizes", "maxBitmapBytes"];
    private static readonly string[] ContainerDeviceFields = ["name", "iommuGroup"];
    private static readonly string[] DeviceFields = ["name", "iommuGroup", "hwInfo", "iovaRanges", "iovaAlignment"];
    private static readonly string[] HwInfoFields = ["type", "data", "capabilities", "maxPasidLog2", "unreportedCapabilities"];

    /// <summary>Reads and validates a recorded host file.</summary>
    public static RecordedHost Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new RecordedHostException(path, "(file)", "does not exist");

    /// <summary>Parses and validates recorded host JSON; <paramref name="source"/> names it in errors.</summary>
    public static RecordedHost Parse(string json, string source = "(text)")
    {
        var root = JsonNode.Root(json, (field, problem) => new RecordedHostException(source, field, problem));
        // the version first: a record of another version may have fields this one does not know
        var format = root.Has("format") ? root.Required("format").String() : throw root.Error("format", $"is required: a recorded host (iommu probe --save) names its format, {Format}");
        if (format != Format)
        {
            throw root.Error("format", format.StartsWith(FormatFamily, StringComparison.Ordinal)
                ? $"'{format}' is another version of the recorded-host format than the {Format} this version reads: record the host again with this version's iommu probe --save"
                : $"'{format}' is not a recorded host ({Format})");
        }
        root.OnlyKnown(Known);
        var pageSize = root.Required("hostPageSize").Size();
        if (!BitOperations.IsPow2(pageSize) || pageSize < 4096) throw root.Error("hostPageSize", $"{pageSize} is not a power of two of at least 4096");
        var kernel = root.Required("kernel").String();
        var architecture = root.Required("architecture").String();
        if (root.Has("container"))
        {
            if (root.Has("devices")) throw root.Error("devices", "a host recorded through its type1 container lists its devices in container.devices");
            return new RecordedHost(kernel, architecture, pageSize, []) { Container = Container(root.Required("container").Object()) };
        }
        var devices = root.Required("devices").List(Device);
        RequireDistinct(root, "devices", devices.Select(d => d.Name).ToList());
        var lacks = root.Optional("kernelLacks", n => n.List(name => name.String() is { Length: > 0 } text ? text : throw name.Error(name.Path, "must name a kernel feature")), []);
        return new RecordedHost(kernel, architecture, pageSize, devices) { KernelLacks = lacks };
    }

    private static void RequireDistinct(JsonNode parent, string field, IReadOnlyList<string> names)
    {
        var path = parent.Path.Length == 0 ? field : $"{parent.Path}.{field}";
        if (names.Count == 0) throw parent.Error(path, "must list at least one device");
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw parent.Error(path, $"the name '{duplicate.Key}' is given twice");
    }

    private static RecordedContainer Container(JsonNode container)
    {
        container.OnlyKnown(ContainerFields);
        var ranges = container.Optional("iovaRanges", n => (IReadOnlyList<IovaRange>?)Ascending(n, n.List(r => r.Range())), null);
        var available = container.Optional("dmaMappingsAvailable", n => n.Int() is >= 0 and var v ? (uint?)v : throw n.Error(n.Path, "must be a non-negative integer"), null);
        var devices = container.Required("devices").List(d =>
        {
            d.Object().OnlyKnown(ContainerDeviceFields);
            var group = d.Required("iommuGroup");
            return new RecordedContainerDevice(d.Required("name").String(), group.Int() is >= 0 and var g ? g : throw group.Error(group.Path, "must be a non-negative integer"));
        });
        RequireDistinct(container, "devices", devices.Select(d => d.Name).ToList());
        var missing = container.Required("iommufdMissing").List(n => n.String());
        var dirty = container.Optional("dirtyTracking", n =>
        {
            n.Object().OnlyKnown(DirtyTrackingFields);
            return (Type1DirtyTracking?)new Type1DirtyTracking(n.Required("pageSizes").Size(), n.Required("maxBitmapBytes").Size());
        }, null);
        return new RecordedContainer(new Type1Info(container.Required("iovaPageSizes").Size(), ranges, available) { DirtyTracking = dirty }, devices, missing);
    }

    private static List<IovaRange> Ascending(JsonNode node, List<IovaRange> ranges)
    {
        for (var i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start <= ranges[i - 1].Last) throw node.Error($"{node.Path}[{i}]", $"{ranges[i]} is not above {ranges[i - 1]}");
        }
        return ranges;
    }

    private static RecordedDevice Device(JsonNode device)
    {
        device.Object().OnlyKnown(DeviceFields);
        var group = device.Optional("iommuGroup", g => g.Int() is >= 0 and var n ? n : throw g.Error(g.Path, "must be a non-negative integer"), (int?)null);
        var rangesNode = device.Required("iovaRanges");
        var ranges = Ascending(rangesNode, rangesNode.List(r => r.Range()));
        var alignment = device.Required("iovaAlignment").Size();
        if (!BitOperations.IsPow2(alignment)) throw device.Error($"{device.Path}.iovaAlignment", $"{alignment} is not a power of two");
        return new RecordedDevice(device.Required("name").String(), group, HwInfo(device.Required("hwInfo").Object()), ranges, alignment);
    }

    private static HwInfo HwInfo(JsonNode hw)
    {
        hw.OnlyKnown(HwInfoFields);
        var typeNode = hw.Required("type");
        var type = typeNode.Element.ValueKind == JsonValueKind.String && Enum.TryParse<iommu_hw_info_type>(typeNode.String(), out var named) && Enum.IsDefined(named)
            ? (HwInfoType)named
            : typeNode.Size() is <= uint.MaxValue and var number ? (HwInfoType)number : throw hw.Error(typeNode.Path, "is not a 32-bit IOMMU_HW_INFO_TYPE");
        var dataNode = hw.Required("data");
        byte[] data;
        try
        {
            data = Convert.FromHexString(dataNode.String());
        }
        catch (FormatException)
        {
            throw hw.Error(dataNode.Path, "must be the data bytes in hex, two digits each");
        }
        var pasid = hw.Required("maxPasidLog2").Int();
        if (pasid is < 0 or > 255) throw hw.Error($"{hw.Path}.maxPasidLog2", $"{pasid} is outside 0..255");
        try
        {
            // absent in records of kernels that report every bit the bindings know
            var unreported = hw.Optional("unreportedCapabilities", n => n.Size(), 0UL);
            if (unreported > uint.MaxValue) throw hw.Error($"{hw.Path}.unreportedCapabilities", "is not a 32-bit set of IOMMU_HW_CAP bits");
            return Linux.Iommu.HwInfo.Decode(type, data, hw.Required("capabilities").Size(), (byte)pasid) with { UnreportedCapabilities = (HwCapabilities)unreported };
        }
        catch (ArgumentException e)
        {
            throw hw.Error(dataNode.Path, e.Message);
        }
    }

    /// <summary>The host as JSON (two-space indented, addresses and bit sets in hex).</summary>
    public static string Write(RecordedHost host)
    {
        using var buffer = new MemoryStream();
        // a file for people and tools, not HTML: kernel releases keep their "+" and findings their quotes
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("kernel", host.Kernel);
            json.WriteString("architecture", host.Architecture);
            json.WriteNumber("hostPageSize", host.HostPageSize);
            if (host.KernelLacks.Count > 0)
            {
                json.WriteStartArray("kernelLacks");
                foreach (var name in host.KernelLacks) json.WriteStringValue(name);
                json.WriteEndArray();
            }
            if (host.Container is { } container)
            {
                Write(json, container);
            }
            else
            {
                json.WriteStartArray("devices");
                foreach (var device in host.Devices) Write(json, device);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Write(Utf8JsonWriter json, RecordedDevice device)
    {
        json.WriteStartObject();
        json.WriteString("name", device.Name);
        if (device.IommuGroup is { } group) json.WriteNumber("iommuGroup", group);
        json.WriteStartObject("hwInfo");
        var type = device.HwInfo.Type;
        if (Enum.IsDefined((iommu_hw_info_type)type)) json.WriteString("type", ((iommu_hw_info_type)type).ToString()); // the kernel's name
        else json.WriteString("type", $"0x{(uint)type:x}");
        json.WriteString("data", Convert.ToHexString(device.HwInfo.Data.Span).ToLowerInvariant());
        json.WriteString("capabilities", $"0x{device.HwInfo.CapabilityBits:x}");
        json.WriteNumber("maxPasidLog2", device.HwInfo.MaxPasidLog2);
        if (device.HwInfo.UnreportedCapabilities != 0) json.WriteString("unreportedCapabilities", $"0x{(uint)device.HwInfo.UnreportedCapabilities:x}");
        json.WriteEndObject();
        Write(json, device.IovaRanges);
        json.WriteString("iovaAlignment", $"0x{device.IovaAlignment:x}");
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, RecordedContainer container)
    {
        json.WriteStartObject("container");
        json.WriteString("iovaPageSizes", $"0x{container.Info.PageSizes:x}");
        if (container.Info.IovaRanges is { } ranges) Write(json, ranges);
        if (container.Info.DmaMappingsAvailable is { } available) json.WriteNumber("dmaMappingsAvailable", available);
        if (container.Info.DirtyTracking is { } dirty)
        {
            json.WriteStartObject("dirtyTracking");
            json.WriteString("pageSizes", $"0x{dirty.PageSizes:x}");
            json.WriteString("maxBitmapBytes", $"0x{dirty.MaxBitmapBytes:x}");
            json.WriteEndObject();
        }
        json.WriteStartArray("devices");
        foreach (var device in container.Devices)
        {
            json.WriteStartObject();
            json.WriteString("name", device.Name);
            json.WriteNumber("iommuGroup", device.IommuGroup);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("iommufdMissing");
        foreach (var finding in container.IommufdMissing) json.WriteStringValue(finding);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, IReadOnlyList<IovaRange> ranges)
    {
        json.WriteStartArray("iovaRanges");
        foreach (var range in ranges)
        {
            json.WriteStartObject();
            json.WriteString("start", $"0x{range.Start:x}");
            json.WriteString("last", $"0x{range.Last:x}");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
