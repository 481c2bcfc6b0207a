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
        var schema = root.GetProperty("schema").GetInt32();
        if (schema != AbiModel.CurrentSchema)
        {
            throw new FormatException($"schema {schema} is not the supported {AbiModel.CurrentSchema}");
        }
        var set = root.GetProperty("headerSet");
        return new AbiModel(
            schema,
            root.GetProperty("scanner").GetString()!,
            new HeaderSet(set.GetProperty("name").GetString()!, set.GetProperty("package").GetString()!, set.GetProperty("version").GetString()!),
            root.GetProperty("arch").GetString()!,
            root.GetProperty("triple").GetString()!,
            List(root, "headers", e => e.GetString()!),
            List(root, "records", Record),
            List(root, "enums", Enum),
            List(root, "constants", Constant),
            List(root, "ioctls", Ioctl));
    }

    private static List<T> List<T>(JsonElement owner, string name, Func<JsonElement, T> read) =>
        owner.GetProperty(name).EnumerateArray().Select(read).ToList();

    private static string? Optional(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static Int128 Int(JsonElement owner, string name) =>
        Int128.Parse(owner.GetProperty(name).GetRawText(), CultureInfo.InvariantCulture);

    private static SourceLocation Location(JsonElement owner)
    {
        var text = owner.GetProperty("location").GetString()!;
        var colon = text.LastIndexOf(':');
        return new SourceLocation(text[..colon], int.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static RecordDecl Record(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.GetProperty("kind").GetString() switch { "struct" => RecordKind.Struct, "union" => RecordKind.Union, var k => throw new FormatException($"unknown record kind '{k}'") },
        Optional(e, "parent"),
        e.GetProperty("size").GetInt64(),
        e.GetProperty("align").GetInt64(),
        e.TryGetProperty("packed", out var packed) && packed.GetBoolean(),
        List(e, "fields", Field),
        Optional(e, "doc"),
        Location(e));

    private static FieldDecl Field(JsonElement e) => new(
        Optional(e, "name"),
        e.GetProperty("offset").GetInt64(),
        Type(e.GetProperty("type")),
        e.TryGetProperty("bitOffset", out var bitOffset) ? bitOffset.GetInt64() : null,
        e.TryGetProperty("bitWidth", out var bitWidth) ? bitWidth.GetInt32() : null,
        Optional(e, "doc"),
        Location(e));

    private static TypeRef Type(JsonElement e) => new(
        ModelNames.TypeKindOf(e.GetProperty("kind").GetString()!),
        e.GetProperty("c").GetString()!,
        e.GetProperty("size").GetInt64(),
        e.GetProperty("align").GetInt64(),
        e.TryGetProperty("signed", out var signed) && signed.GetBoolean(),
        Optional(e, "name"),
        e.TryGetProperty("element", out var element) ? Type(element) : null,
        e.TryGetProperty("count", out var count) ? count.GetInt64() : null);

    private static EnumDecl Enum(JsonElement e) => new(
        Optional(e, "name"),
        Type(e.GetProperty("type")),
        List(e, "constants", c => new EnumConstant(c.GetProperty("name").GetString()!, Int(c, "value"), Optional(c, "doc"))),
        Optional(e, "doc"),
        Location(e));

    private static ConstantDecl Constant(JsonElement e)
    {
        var isString = e.GetProperty("kind").GetString() == "string";
        return new ConstantDecl(
            e.GetProperty("name").GetString()!,
            isString ? ConstantKind.String : ConstantKind.Integer,
            isString ? "char[]" : e.GetProperty("ctype").GetString(),
            isString ? 0 : e.GetProperty("size").GetInt64(),
            isString ? 0 : Int(e, "value"),
            isString ? e.GetProperty("text").GetString() : null,
            e.GetProperty("expression").GetString()!,
            Optional(e, "doc"),
            Location(e));
    }

    private static IoctlDecl Ioctl(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.GetProperty("request").GetUInt64(),
        e.GetProperty("macro").GetString()!,
        ModelNames.DirectionOf(e.GetProperty("direction").GetString()!),
        e.GetProperty("type").GetUInt32(),
        e.GetProperty("nr").GetUInt32(),
        e.GetProperty("size").GetUInt32(),
        e.GetProperty("expression").GetString()!,
        e.TryGetProperty("argument", out var a)
            ? new IoctlArgument(Optional(a, "record"), Optional(a, "scalar"), a.GetProperty("source").GetString()!)
            : null,
        Optional(e, "doc"),
        Location(e));
}
