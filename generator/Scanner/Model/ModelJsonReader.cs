using System.Globalization;
using System.Text.Json;

namespace Iommu.Scanner.Model;

/// <summary>Reads a model written by <see cref="ModelJsonWriter"/>; a malformed file fails with the file
/// and the JSON path of the first problem.</summary>
public static class ModelJsonReader
{
    public static AbiModel ReadFile(string path)
    {
        try
        {
            return Read(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ScanException("SCAN030", $"{path}: not a valid ABI model: {e.Message}");
        }
    }

    public static AbiModel Read(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var schema = Req(root, "schema").GetInt32();
        if (schema != AbiModel.CurrentSchema)
        {
            throw new FormatException($"schema {schema} is not the supported {AbiModel.CurrentSchema}");
        }
        var set = Req(root, "headerSet");
        return new AbiModel(
            schema,
            Req(root, "scanner").GetString()!,
            new HeaderSet(Req(set, "name").GetString()!, Req(set, "package").GetString()!, Req(set, "version").GetString()!),
            Req(root, "arch").GetString()!,
            Req(root, "triple").GetString()!,
            List(root, "headers", e => e.GetString()!),
            List(root, "records", Record),
            List(root, "enums", Enum),
            List(root, "constants", Constant),
            List(root, "ioctls", Ioctl));
    }

    private static JsonElement Req(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"missing property '{name}' in {Describe(owner)}");

    private static string Describe(JsonElement owner) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty("name", out var name) ? $"'{name}'" : $"a {owner.ValueKind} value";

    private static List<T> List<T>(JsonElement owner, string name, Func<JsonElement, T> read) =>
        Req(owner, name).EnumerateArray().Select(read).ToList();

    private static string? Optional(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static Int128 Int(JsonElement owner, string name) =>
        Int128.Parse(Req(owner, name).GetRawText(), CultureInfo.InvariantCulture);

    private static SourceLocation Location(JsonElement owner)
    {
        var text = Req(owner, "location").GetString()!;
        var colon = text.LastIndexOf(':');
        return new SourceLocation(text[..colon], int.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static RecordDecl Record(JsonElement e) => new(
        Req(e, "name").GetString()!,
        Req(e, "kind").GetString() switch { "struct" => RecordKind.Struct, "union" => RecordKind.Union, var k => throw new FormatException($"unknown record kind '{k}'") },
        Optional(e, "parent"),
        Req(e, "size").GetInt64(),
        Req(e, "align").GetInt64(),
        e.TryGetProperty("packed", out var packed) && packed.GetBoolean(),
        List(e, "fields", Field),
        Optional(e, "doc"),
        Location(e));

    private static FieldDecl Field(JsonElement e) => new(
        Optional(e, "name"),
        Req(e, "offset").GetInt64(),
        Type(Req(e, "type")),
        e.TryGetProperty("bitOffset", out var bitOffset) ? bitOffset.GetInt64() : null,
        e.TryGetProperty("bitWidth", out var bitWidth) ? bitWidth.GetInt32() : null,
        Optional(e, "doc"),
        Location(e));

    private static TypeRef Type(JsonElement e) => new(
        ModelNames.TypeKindOf(Req(e, "kind").GetString()!),
        Req(e, "c").GetString()!,
        Req(e, "size").GetInt64(),
        Req(e, "align").GetInt64(),
        e.TryGetProperty("signed", out var signed) && signed.GetBoolean(),
        Optional(e, "name"),
        e.TryGetProperty("element", out var element) ? Type(element) : null,
        e.TryGetProperty("count", out var count) ? count.GetInt64() : null);

    private static EnumDecl Enum(JsonElement e) => new(
        Optional(e, "name"),
        Type(Req(e, "type")),
        List(e, "constants", c => new EnumConstant(Req(c, "name").GetString()!, Int(c, "value"), Optional(c, "doc"))),
        Optional(e, "doc"),
        Location(e));

    private static ConstantDecl Constant(JsonElement e)
    {
        var isString = Req(e, "kind").GetString() == "string";
        return new ConstantDecl(
            Req(e, "name").GetString()!,
            isString ? ConstantKind.String : ConstantKind.Integer,
            isString ? "char[]" : Req(e, "ctype").GetString(),
            isString ? 0 : Req(e, "size").GetInt64(),
            isString ? 0 : Int(e, "value"),
            isString ? Req(e, "text").GetString() : null,
            Req(e, "expression").GetString()!,
            Optional(e, "doc"),
            Location(e));
    }

    private static IoctlDecl Ioctl(JsonElement e) => new(
        Req(e, "name").GetString()!,
        Req(e, "request").GetUInt64(),
        Req(e, "macro").GetString()!,
        ModelNames.DirectionOf(Req(e, "direction").GetString()!),
        Req(e, "type").GetUInt32(),
        Req(e, "nr").GetUInt32(),
        Req(e, "size").GetUInt32(),
        Req(e, "expression").GetString()!,
        e.TryGetProperty("argument", out var a)
            ? new IoctlArgument(Optional(a, "record"), Optional(a, "scalar"), Req(a, "source").GetString()!)
            : null,
        Optional(e, "doc"),
        Location(e));
}
