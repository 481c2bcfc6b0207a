using System.Numerics;

namespace Linux.Iommu.Planner;

/// <summary>Reads a <see cref="GuestViommuSpec"/> from JSON (schema: runtime/Linux.Iommu.Planner/README.md, examples in
/// examples/specs/) and validates it: every problem is a <see cref="SpecException"/> naming the field, before any
/// device is touched. A <c>model</c> beyond intel-vtd, arm-smmuv3 and amd-vi is accepted only when one of the given
/// <see cref="ViommuModelExtension"/>s has that name.</summary>
public static class SpecLoader
{
    private static readonly Dictionary<string, GuestIommuModel> BuiltIn = new()
    {
        ["intel-vtd"] = GuestIommuModel.IntelVtd,
        ["arm-smmuv3"] = GuestIommuModel.ArmSmmuV3,
        ["amd-vi"] = GuestIommuModel.AmdVi,
    };

    private static readonly HashSet<string> Known =
        ["model", "inputAddressWidth", "pageSizes", "iovaRanges", "pasidBits", "pri", "dirtyTracking", "vtd", "smmuv3", "hostPassthrough", "bridgedDevices", "description"];

    /// <summary>Loads and validates a spec file.</summary>
    public static GuestViommuSpec Load(string path, IEnumerable<ViommuModelExtension>? extensions = null) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), extensions) : throw new SpecException("(file)", $"{path} does not exist");

    /// <summary>Parses and validates spec JSON.</summary>
    public static GuestViommuSpec Parse(string json, IEnumerable<ViommuModelExtension>? extensions = null)
    {
        var root = JsonNode.Root(json, (field, problem) => new SpecException(field, problem));
        root.OnlyKnown(Known);

        var modelText = root.Required("model").String();
        var extension = extensions?.FirstOrDefault(e => e.Name == modelText);
        if (!BuiltIn.TryGetValue(modelText, out var model) && extension is null)
            throw new SpecException("model", $"unknown model '{modelText}' (known: {string.Join(", ", BuiltIn.Keys.Concat(extensions?.Select(e => e.Name) ?? []))})");
        if (extension is not null) model = GuestIommuModel.Extension;
        var width = root.Required("inputAddressWidth").Int();
        if (width is < 32 or > 64) throw new SpecException("inputAddressWidth", $"{width} bits is outside 32..64");
        var pageSizes = root.Required("pageSizes").List(e => e.Size());
        if (pageSizes.Count == 0) throw new SpecException("pageSizes", "must list at least one page size");
        for (var i = 0; i < pageSizes.Count; i++)
        {
            if (!BitOperations.IsPow2(pageSizes[i]) || pageSizes[i] < 4096) throw new SpecException($"pageSizes[{i}]", $"{pageSizes[i]} is not a power of two of at least 4096");
        }
        var ranges = root.Required("iovaRanges").List(e => e.Range());
        ValidateRanges(ranges, width);

        var spec = new GuestViommuSpec(model, width, pageSizes, ranges,
            PasidBits: root.Optional("pasidBits", e => e.Int(), 0),
            Pri: root.Optional("pri", e => e.Bool(), false),
            DirtyTracking: root.Optional("dirtyTracking", e => e.Bool(), false),
            Vtd: root.Optional("vtd", e => Vtd(e.Object()), null),
            SmmuV3: root.Optional("smmuv3", e => Smmu(e.Object()), null),
            HostPassthrough: root.Optional("hostPassthrough", e => e.Bool(), false),
            BridgedDevices: root.Optional("bridgedDevices", Bridged, BridgedDevices.SharePageTable),
            Extension: extension);
        if (spec.PasidBits is < 0 or > 20) throw new SpecException("pasidBits", $"{spec.PasidBits} is outside 0..20");
        if (spec.Vtd is not null && model != GuestIommuModel.IntelVtd) throw new SpecException("vtd", $"given for a {modelText} model");
        if (spec.SmmuV3 is not null && model != GuestIommuModel.ArmSmmuV3) throw new SpecException("smmuv3", $"given for a {modelText} model");
        if (model == GuestIommuModel.ArmSmmuV3 && spec.SmmuV3 is null) throw new SpecException("smmuv3", "required for an arm-smmuv3 model");
        return model == GuestIommuModel.IntelVtd && spec.Vtd is null ? spec with { Vtd = new VtdGuestSpec() } : spec;
    }

    private static BridgedDevices Bridged(JsonNode value) => value.String() switch
    {
        "share-page-table" => BridgedDevices.SharePageTable,
        "refuse" => BridgedDevices.Refuse,
        var other => throw new SpecException(value.Path, $"'{other}' is neither share-page-table nor refuse"),
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

    private static VtdGuestSpec Vtd(JsonNode e)
    {
        e.OnlyKnown(["firstStage1GiBPages", "scalableMode"]);
        return new(e.Optional("firstStage1GiBPages", v => v.Bool(), false), e.Optional("scalableMode", v => v.Bool(), true));
    }

    private static SmmuV3GuestSpec Smmu(JsonNode e)
    {
        e.OnlyKnown(["twoLevelStreamTable", "aarch64Tables", "streamIdBits", "rangeInvalidation", "outputAddressBits", "granule4K", "granule16K", "granule64K"]);
        var spec = new SmmuV3GuestSpec(
            e.Optional("twoLevelStreamTable", v => v.Bool(), false),
            e.Optional("aarch64Tables", v => v.Bool(), true),
            e.Optional("streamIdBits", v => v.Int(), 16),
            e.Optional("rangeInvalidation", v => v.Bool(), false),
            e.Optional("outputAddressBits", v => v.Int(), 44),
            e.Optional("granule4K", v => v.Bool(), true),
            e.Optional("granule16K", v => v.Bool(), false),
            e.Optional("granule64K", v => v.Bool(), false));
        if (spec.OutputAddressBits is not (32 or 36 or 40 or 42 or 44 or 48 or 52)) throw new SpecException("smmuv3.outputAddressBits", $"{spec.OutputAddressBits} is not an SMMUv3 OAS (32, 36, 40, 42, 44, 48, 52)");
        if (spec.StreamIdBits is < 0 or > 32) throw new SpecException("smmuv3.streamIdBits", $"{spec.StreamIdBits} is outside 0..32");
        return spec;
    }
}
