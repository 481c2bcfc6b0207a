using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>The hosts recorded in the VM tier (tests/data/hosts/), read as they are or with one field edited in the JSON
/// of every device: the variants a fleet has (a narrower register, another IOMMU group, a capability more).</summary>
internal static class EditedHosts
{
    public static string Path(string name) => global::Iommu.Tests.Shared.RepositoryRoot.Combine("tests", "data", "hosts", name);

    public static RecordedHost Load(string name) => RecordedHostJson.Load(Path(name));

    /// <summary><paramref name="name"/> with <paramref name="edit"/> applied to each device's JSON object.</summary>
    public static RecordedHost Edited(string name, Action<JsonObject> edit)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path(name)))!.AsObject();
        foreach (var device in root["devices"]!.AsArray()) edit(device!.AsObject());
        return RecordedHostJson.Parse(root.ToJsonString(), $"{name} (edited)");
    }

    /// <summary>The whole record's JSON with <paramref name="edit"/> applied at the root.</summary>
    public static RecordedHost EditedRoot(string name, Action<JsonObject> edit)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path(name)))!.AsObject();
        edit(root);
        return RecordedHostJson.Parse(root.ToJsonString(), $"{name} (edited)");
    }

    /// <summary>Changes the 32-bit little-endian word at <paramref name="offset"/> of the hw_info data: the bits of
    /// <paramref name="mask"/> become <paramref name="value"/>'s.</summary>
    public static Action<JsonObject> HwInfoWord(int offset, uint mask, uint value) => device =>
    {
        var hw = device["hwInfo"]!.AsObject();
        var data = Convert.FromHexString((string)hw["data"]!);
        var word = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(offset), word & ~mask | value & mask);
        hw["data"] = Convert.ToHexString(data).ToLowerInvariant();
    };

    /// <summary>SMMUv3 hw_info: IDR1 is the word at 12 (SIDSIZE bits 5:0), IDR5 the word at 28 (OAS bits 2:0, GRAN4K/16K/64K bits 4, 5, 6).</summary>
    public static Action<JsonObject> SmmuV3StreamIdBits(uint bits) => HwInfoWord(12, 0x3f, bits);

    /// <summary>IDR5.OAS: 3 = 42 bits, 4 = 44, 5 = 48.</summary>
    public static Action<JsonObject> SmmuV3Oas(uint encoding) => HwInfoWord(28, 0x7, encoding);

    /// <summary>IDR5.GRAN4K/16K/64K as bits 0, 1, 2 of <paramref name="granules"/>.</summary>
    public static Action<JsonObject> SmmuV3Granules(uint granules) => HwInfoWord(28, 0x70, granules << 4);

    /// <summary>out_capabilities.</summary>
    public static Action<JsonObject> Capabilities(HwCapabilities caps) => device => device["hwInfo"]!["capabilities"] = $"0x{(uint)caps:x}";

    /// <summary>The highest usable IOVA of the device's last range.</summary>
    public static Action<JsonObject> IovaTop(ulong last) => device =>
    {
        var ranges = device["iovaRanges"]!.AsArray();
        ranges[^1]!["last"] = $"0x{last:x}";
    };
}
