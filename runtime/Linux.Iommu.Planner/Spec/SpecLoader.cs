using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>Reads a <see cref="GuestViommuSpec"/> from JSON (schema: runtime/Linux.Iommu.Planner/README.md, examples in
/// examples/specs/) and validates it: every problem is a <see cref="SpecException"/> naming the field, before any
/// device is touched.</summary>
public static class SpecLoader
{
    private static readonly Dictionary<string, GuestIommuModel> Models = new()
    {
        ["intel-vtd"] = GuestIommuModel.IntelVtd,
        ["arm-smmuv3"] = GuestIommuModel.ArmSmmuV3,
        ["amd-vi"] = GuestIommuModel.AmdVi,
        ["selftest-mock"] = GuestIommuModel.SelftestMock,
    };

    /// <summary>Loads and validates a spec file.</summary>
    public static GuestViommuSpec Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path)) : throw new SpecException("(file)", $"{path} does not exist");

    /// <summary>Parses and validates spec JSON.</summary>
    public static GuestViommuSpec Parse(string json)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new SpecException("(document)", $"not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new SpecException("(document)", "must be a JSON object");
        foreach (var property in root.EnumerateObject())
        {
            if (!Known.Contains(property.Name)) throw new SpecException(property.Name, $"unknown field (known: {string.Join(", ", Known)})");
        }

        var modelText = String(root, "model");
        if (!Models.TryGetValue(modelText, out var model)) throw new SpecException("model", $"unknown model '{modelText}' (known: {string.Join(", ", Models.Keys)})");
        var width = Int(root, "inputAddressWidth");
        if (width is < 32 or > 64) throw new SpecException("inputAddressWidth", $"{width} bits is outside 32..64");
        var pageSizes = List(root, "pageSizes", (e, path) => Size(e, path));
        if (pageSizes.Count == 0) throw new SpecException("pageSizes", "must list at least one page size");
        for (var i = 0; i < pageSizes.Count; i++)
        {
            if (!BitOperations.IsPow2(pageSizes[i]) || pageSizes[i] < 4096) throw new SpecException($"pageSizes[{i}]", $"{pageSizes[i]} is not a power of two of at least 4096");
        }
        var ranges = List(root, "iovaRanges", Range);
        ValidateRanges(ranges, width);

        var spec = new GuestViommuSpec(model, width, pageSizes, ranges,
            PasidBits: Optional(root, "pasidBits", Int, 0),
            Pri: Optional(root, "pri", Bool, false),
            DirtyTracking: Optional(root, "dirtyTracking", Bool, false),
            Vtd: root.TryGetProperty("vtd", out var vtd) ? Vtd(vtd) : null,
            SmmuV3: root.TryGetProperty("smmuv3", out var smmu) ? Smmu(smmu) : null,
            HostPassthrough: Optional(root, "hostPassthrough", Bool, false),
            BridgedDevices: Optional(root, "bridgedDevices", Bridged, BridgedDevices.SharePageTable));
        if (spec.PasidBits is < 0 or > 20) throw new SpecException("pasidBits", $"{spec.PasidBits} is outside 0..20");
        if (spec.Vtd is not null && model != GuestIommuModel.IntelVtd) throw new SpecException("vtd", $"given for a {modelText} model");
        if (spec.SmmuV3 is not null && model != GuestIommuModel.ArmSmmuV3) throw new SpecException("smmuv3", $"given for a {modelText} model");
        if (model == GuestIommuModel.ArmSmmuV3 && spec.SmmuV3 is null) throw new SpecException("smmuv3", "required for an arm-smmuv3 model");
        return model == GuestIommuModel.IntelVtd && spec.Vtd is null ? spec with { Vtd = new VtdGuestSpec() } : spec;
    }

    private static readonly HashSet<string> Known =
        ["model", "inputAddressWidth", "pageSizes", "iovaRanges", "pasidBits", "pri", "dirtyTracking", "vtd", "smmuv3", "hostPassthrough", "bridgedDevices", "description"];

    private static BridgedDevices Bridged(JsonElement owner, string name) => String(owner, name) switch
    {
        "share-page-table" => BridgedDevices.SharePageTable,
        "refuse" => BridgedDevices.Refuse,
        var other => throw new SpecException(name, $"'{other}' is neither share-page-table nor refuse"),
    };

    private static void ValidateRanges(List<IovaRange> ranges, int width)
    {
        var limit = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
        for (var i = 0; i < ranges.Count; i++)
        {
            if (ranges[i].Last > limit) throw new SpecException($"iovaRanges[{i}]", $"{ranges[i]} goes beyond the {width}-bit input address width");
            for (var j = 0; j < i; j++)
            {
                if (ranges[i].Start <= ranges[j].Last && ranges[j].Start <= ranges[i].Last)
                    throw new SpecException($"iovaRanges[{i}]", $"{ranges[i]} overlaps iovaRanges[{j}] {ranges[j]}");
            }
        }
    }

    private static JsonElement Required(JsonElement owner, string name, string? path = null) =>
        owner.TryGetProperty(name, out var value) ? value : throw new SpecException(path ?? name, "is required");

    private static string String(JsonElement owner, string name) =>
        Required(owner, name) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw new SpecException(name, "must be a string");

    private static int Int(JsonElement owner, string name) =>
        Required(owner, name) is { ValueKind: JsonValueKind.Number } e && e.TryGetInt32(out var v) ? v : throw new SpecException(name, "must be an integer");

    private static bool Bool(JsonElement owner, string name) =>
        Required(owner, name).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new SpecException(name, "must be true or false"),
        };

    private static T Optional<T>(JsonElement owner, string name, Func<JsonElement, string, T> read, T fallback) =>
        owner.TryGetProperty(name, out _) ? read(owner, name) : fallback;

    private static List<T> List<T>(JsonElement owner, string name, Func<JsonElement, string, T> read) =>
        Required(owner, name) is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Select((e, i) => read(e, $"{name}[{i}]")).ToList()
            : throw new SpecException(name, "must be an array");

    /// <summary>A byte count or address: a number, "0x…" hex, or a size with K/M/G suffix ("4K", "2M").</summary>
    private static ulong Size(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var n)) return n;
        if (e.ValueKind != JsonValueKind.String) throw new SpecException(path, "must be a number or a string such as \"4K\" or \"0x1000\"");
        var text = e.GetString()!.Trim();
        ulong multiplier = text.EndsWith('K') ? 1UL << 10 : text.EndsWith('M') ? 1UL << 20 : text.EndsWith('G') ? 1UL << 30 : 1;
        if (multiplier != 1) text = text[..^1];
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out n)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (!ok || (multiplier != 1 && n > ulong.MaxValue / multiplier)) throw new SpecException(path, $"'{e.GetString()}' is not a size or address");
        return n * multiplier;
    }

    private static IovaRange Range(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new SpecException(path, "must be an object with start and last");
        var start = Size(Required(e, "start", $"{path}.start"), $"{path}.start");
        var last = Size(Required(e, "last", $"{path}.last"), $"{path}.last");
        if (last < start) throw new SpecException(path, $"last 0x{last:x} is below start 0x{start:x}");
        return new IovaRange(start, last);
    }

    private static VtdGuestSpec Vtd(JsonElement e) => new(
        Optional(e, "firstStage1GiBPages", Bool, false),
        Optional(e, "scalableMode", Bool, true));

    private static SmmuV3GuestSpec Smmu(JsonElement e)
    {
        var spec = new SmmuV3GuestSpec(
            Optional(e, "twoLevelStreamTable", Bool, false),
            Optional(e, "aarch64Tables", Bool, true),
            Optional(e, "streamIdBits", Int, 16),
            Optional(e, "rangeInvalidation", Bool, false),
            Optional(e, "outputAddressBits", Int, 44),
            Optional(e, "granule4K", Bool, true),
            Optional(e, "granule16K", Bool, false),
            Optional(e, "granule64K", Bool, false));
        if (spec.OutputAddressBits is not (32 or 36 or 40 or 42 or 44 or 48 or 52)) throw new SpecException("smmuv3.outputAddressBits", $"{spec.OutputAddressBits} is not an SMMUv3 OAS (32, 36, 40, 42, 44, 48, 52)");
        if (spec.StreamIdBits is < 0 or > 32) throw new SpecException("smmuv3.streamIdBits", $"{spec.StreamIdBits} is outside 0..32");
        return spec;
    }
}
