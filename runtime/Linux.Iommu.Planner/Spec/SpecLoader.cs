using System.Numerics;

namespace Linux.Iommu.Planner;

/// <summary>Reads a <see cref="GuestViommuSpec"/> from JSON (schema: runtime/Linux.Iommu.Planner/README.md, examples in
/// examples/specs/) and validates it: every problem is a <see cref="SpecException"/> naming the field, before any
/// device is touched. The fields every model has are read here; the model named by <c>model</c> reads its own block
/// (<see cref="ViommuModel.FieldsName"/>) and validates the whole spec (<see cref="ViommuModel.Validate"/>). A <c>model</c>
/// beyond intel-vtd, arm-smmuv3 and amd-vi is accepted only when one of the given plug-in <see cref="ViommuModel"/>s
/// has that name.</summary>
public static class SpecLoader
{
    private static readonly string[] Common =
        ["model", "inputAddressWidth", "pageSizes", "iovaRanges", "pasidBits", "pri", "dirtyTracking", "hostPassthrough", "bridgedDevices", "description"];

    /// <summary>Loads and validates a spec file.</summary>
    public static GuestViommuSpec Load(string path, IEnumerable<ViommuModel>? plugIns = null) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), plugIns) : throw new SpecException("(file)", $"{path} does not exist");

    /// <summary>Parses and validates spec JSON.</summary>
    public static GuestViommuSpec Parse(string json, IEnumerable<ViommuModel>? plugIns = null)
    {
        var models = ModelRegistry.With(plugIns);
        var blocks = models.Select(m => m.FieldsName).OfType<string>().ToList();
        var root = JsonNode.Root(json, (field, problem) => new SpecException(field, problem));
        root.OnlyKnown([.. Common, .. blocks]);

        var modelText = root.Required("model").String();
        var model = models.FirstOrDefault(m => m.Name == modelText)
            ?? throw new SpecException("model", $"unknown model '{modelText}' (known: {string.Join(", ", models.Select(m => m.Name))})");
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
        var pasidBits = root.Optional("pasidBits", e => e.Int(), 0);
        if (pasidBits is < 0 or > 20) throw new SpecException("pasidBits", $"{pasidBits} is outside 0..20");
        var foreign = blocks.FirstOrDefault(b => b != model.FieldsName && root.Has(b));
        if (foreign is not null) throw new SpecException(foreign, $"given for a {modelText} model");
        if (model.FieldsName is { } own) model = model.ReadFields(root.Has(own) ? root.Required(own).Element : null);

        var spec = new GuestViommuSpec(model, width, pageSizes, ranges, pasidBits,
            Pri: root.Optional("pri", e => e.Bool(), false),
            DirtyTracking: root.Optional("dirtyTracking", e => e.Bool(), false),
            HostPassthrough: root.Optional("hostPassthrough", e => e.Bool(), false),
            BridgedDevices: root.Optional("bridgedDevices", Bridged, BridgedDevices.SharePageTable));
        model.Validate(spec);
        return spec;
    }

    private static BridgedDevices Bridged(JsonNode value) => value.String() switch
    {
        "share-page-table" => BridgedDevices.SharePageTable,
        "refuse" => BridgedDevices.Refuse,
        var other => throw new SpecException(value.Path, $"'{other}' is neither share-page-table nor refuse"),
    };

    private static void ValidateRanges(List<IovaRange> ranges, int width)
    {
        var limit = GuestViommuSpec.HighestIova(width);
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
}
