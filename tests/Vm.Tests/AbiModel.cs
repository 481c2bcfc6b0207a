using System.Text.Json;

namespace Vm.Tests;

/// <summary>
/// The header scanner's ABI model of the running architecture (headers/models/linux-7.3/x86_64.json
/// or aarch64.json), copied next to this assembly at build time. Every ioctl number and struct offset the tests use comes
/// from here: nobody hand-writes them.
/// </summary>
internal sealed class AbiModel
{
    public static readonly string Arch =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64" : "x86_64";

    public static readonly string RelativePath = $"abi/linux-7.3/{Arch}.json";

    private static readonly Lazy<AbiModel> s_linux73 =
        new(() => Load(Path.Combine(AppContext.BaseDirectory, RelativePath)));

    private readonly JsonElement _root;

    private AbiModel(JsonElement root) => _root = root;

    public static AbiModel Linux73 => s_linux73.Value;

    public static AbiModel Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"ABI model {path} is missing. It is copied from headers/models/linux-7.3/{Arch}.json at build " +
                "time: generate that with the header scanner (generator/Scanner), then rebuild Vm.Tests.", path);
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        return new AbiModel(doc.RootElement.Clone());
    }

    public ulong IoctlRequest(string name) => Find("ioctls", name).GetProperty("request").GetUInt64();

    public AbiRecord Record(string name)
    {
        var record = Find("records", name);
        var fields = new Dictionary<string, (int Offset, int? Size)>();
        foreach (var field in record.GetProperty("fields").EnumerateArray())
        {
            if (field.TryGetProperty("name", out var fieldName) && fieldName.GetString() is { Length: > 0 } n)
            {
                int? size = field.TryGetProperty("type", out var t) && t.TryGetProperty("size", out var s) ? s.GetInt32() : null;
                fields[n] = (field.GetProperty("offset").GetInt32(), size);
            }
        }
        return new AbiRecord(name, record.GetProperty("size").GetInt32(), fields);
    }

    private JsonElement Find(string section, string name)
    {
        foreach (var entry in _root.GetProperty(section).EnumerateArray())
            if (entry.GetProperty("name").GetString() == name)
                return entry;
        throw new KeyNotFoundException($"'{name}' is not in the ABI model's \"{section}\"");
    }
}

/// <summary>A struct's size and its named top-level fields' byte offsets and sizes (headers/MODEL.md).</summary>
internal sealed record AbiRecord(string Name, int Size, IReadOnlyDictionary<string, (int Offset, int? Size)> Fields)
{
    public int Offset(string field, int expectedSize)
    {
        if (!Fields.TryGetValue(field, out var f))
            throw new KeyNotFoundException($"struct {Name} has no field '{field}' in the ABI model");
        if (f.Size is { } size && size != expectedSize)
            throw new InvalidOperationException($"struct {Name}.{field} is {size} bytes in the model, the test expects {expectedSize}");
        return f.Offset;
    }
}
