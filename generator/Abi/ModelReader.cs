using System;
using System.Globalization;
using System.Linq;
using System.Numerics;

namespace Iommu.Abi;

/// <summary>A model file that is not a schema-1 model: the message names the property and its owner, and the
/// position (0-based line and column) points at the value at fault.</summary>
internal sealed class ModelFormatException : Exception
{
    public ModelFormatException(string message, int line, int column) : base(message)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }
    public int Column { get; }
}

/// <summary>The one reader of the model JSON (headers/MODEL.md), for the scanner, the generator and the tests.
/// Strict: every property the writer always writes is required, every value is checked for its type.</summary>
internal static class ModelReader
{
    public static AbiModel Read(string path, string text)
    {
        var root = Object(JsonReader.Parse(text), "the model");
        var schema = Int(root, "schema");
        if (schema != AbiModel.CurrentSchema) throw Error($"schema {schema} is not supported (this reader reads schema {AbiModel.CurrentSchema})", root["schema"]);
        var set = Object(Required(root, "headerSet"), "headerSet");
        return new AbiModel(
            schema,
            String(root, "scanner"),
            new HeaderSet(String(set, "name"), String(set, "package"), String(set, "version")),
            String(root, "arch"),
            String(root, "triple"),
            Array(root, "headers", item => item is JsonString s ? s.Value : throw Error("'headers' must hold strings", item)),
            List(root, "records", Record),
            List(root, "enums", Enum),
            List(root, "constants", Constant),
            List(root, "ioctls", Ioctl))
        {
            Path = path,
            AbsentHeaders = root["absentHeaders"] is null
                ? EquatableArray<string>.Empty
                : Array(root, "absentHeaders", item => item is JsonString s ? s.Value : throw Error("'absentHeaders' must hold strings", item)),
        };
    }

    private static ModelFormatException Error(string message, JsonNode? at) => new(message, at?.Line ?? 0, at?.Column ?? 0);

    private static JsonObject Object(JsonNode node, string what) => node as JsonObject ?? throw Error($"{what} must be a JSON object", node);

    private static JsonNode Required(JsonObject owner, string name) => owner[name] ?? throw Error($"missing property '{name}'{Owner(owner)}", owner);

    private static string Owner(JsonObject owner) => owner["name"] is JsonString name ? $" in '{name.Value}'" : "";

    private static string String(JsonObject owner, string name) =>
        Required(owner, name) is JsonString s ? s.Value : throw Error($"'{name}'{Owner(owner)} must be a string", owner[name]);

    private static string? OptionalString(JsonObject owner, string name) =>
        owner[name] switch
        {
            null => null,
            JsonString s => s.Value,
            var other => throw Error($"'{name}'{Owner(owner)} must be a string", other),
        };

    /// <summary>The integer text of a number (the model's values span int64 and uint64, so no double in between).</summary>
    private static BigInteger Integer(JsonObject owner, string name) =>
        Required(owner, name) is JsonNumber n && !n.Text.Contains(".") && !n.Text.Contains("e") && !n.Text.Contains("E")
            ? BigInteger.Parse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : throw Error($"'{name}'{Owner(owner)} must be an integer", owner[name]);

    private static long Long(JsonObject owner, string name)
    {
        var value = Integer(owner, name);
        return value >= 0 && value <= long.MaxValue ? (long)value : throw Error($"'{name}'{Owner(owner)} must be a non-negative integer, not {value}", owner[name]);
    }

    private static int Int(JsonObject owner, string name)
    {
        var value = Long(owner, name);
        return value <= int.MaxValue ? (int)value : throw Error($"'{name}'{Owner(owner)} is too large: {value}", owner[name]);
    }

    private static uint UInt(JsonObject owner, string name)
    {
        var value = Long(owner, name);
        return value <= uint.MaxValue ? (uint)value : throw Error($"'{name}'{Owner(owner)} is not an unsigned 32-bit integer: {value}", owner[name]);
    }

    private static bool Bool(JsonObject owner, string name) =>
        owner[name] switch
        {
            null => false,
            JsonLiteral { Value: bool b } => b,
            var other => throw Error($"'{name}'{Owner(owner)} must be true or false", other),
        };

    private static EquatableArray<T> Array<T>(JsonObject owner, string name, Func<JsonNode, T> read) where T : IEquatable<T> =>
        Required(owner, name) is JsonArray array
            ? array.Items.Select(read).ToEquatableArray()
            : throw Error($"'{name}'{Owner(owner)} must be an array", owner[name]);

    private static EquatableArray<T> List<T>(JsonObject owner, string name, Func<JsonObject, T> read) where T : IEquatable<T> =>
        Array(owner, name, item => read(Object(item, $"an item of '{name}'")));

    private static SourceLocation Location(JsonObject owner)
    {
        var text = String(owner, "location");
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var line)
            ? new SourceLocation(text.Substring(0, colon), line)
            : throw Error($"'location'{Owner(owner)} must be file:line, not '{text}'", owner["location"]);
    }

    private static RecordDecl Record(JsonObject e)
    {
        var kind = String(e, "kind");
        return new RecordDecl(String(e, "name"),
            ModelNames.RecordKindOf(kind) ?? throw Error($"record kind '{kind}' is neither struct nor union", e["kind"]),
            OptionalString(e, "parent"), Long(e, "size"), Long(e, "align"), Bool(e, "packed"),
            List(e, "fields", Field), OptionalString(e, "doc"), Location(e)) { ModelLine = e.Line };
    }

    private static FieldDecl Field(JsonObject e) => new(
        OptionalString(e, "name"),
        Long(e, "offset"),
        Type(Object(Required(e, "type"), "type")),
        e["bitOffset"] is null ? null : Long(e, "bitOffset"),
        e["bitWidth"] is null ? null : Int(e, "bitWidth"),
        OptionalString(e, "doc"),
        Location(e)) { ModelLine = e.Line };

    private static TypeRef Type(JsonObject e)
    {
        var text = String(e, "kind");
        var kind = ModelNames.TypeKindOf(text) ?? throw Error($"unknown type kind '{text}' (known: {ModelNames.KnownTypeKinds})", e["kind"]);
        var element = e["element"] is null ? null : Type(Object(Required(e, "element"), "element"));
        if (kind is TypeKind.Array or TypeKind.FlexibleArray && element is null) throw Error($"an {text} type needs an 'element'", e);
        if (kind is TypeKind.Record or TypeKind.Enum && e["name"] is null) throw Error($"a {text} type needs a 'name'", e);
        return new TypeRef(kind, String(e, "c"), Long(e, "size"), Long(e, "align"), Bool(e, "signed"), OptionalString(e, "name"), element,
            kind == TypeKind.Array ? Long(e, "count") : null);
    }

    private static EnumDecl Enum(JsonObject e) => new(
        OptionalString(e, "name"),
        Type(Object(Required(e, "type"), "type")),
        List(e, "constants", c => new EnumConstant(String(c, "name"), Integer(c, "value"), OptionalString(c, "doc"))),
        OptionalString(e, "doc"),
        Location(e)) { ModelLine = e.Line };

    private static ConstantDecl Constant(JsonObject e)
    {
        var text = String(e, "kind");
        var kind = ModelNames.ConstantKindOf(text) ?? throw Error($"constant kind '{text}' is neither integer nor string", e["kind"]);
        var isString = kind == ConstantKind.String;
        return new ConstantDecl(
            String(e, "name"),
            kind,
            isString ? "char[]" : String(e, "ctype"),
            isString ? 0 : Long(e, "size"),
            isString ? BigInteger.Zero : Integer(e, "value"),
            isString ? String(e, "text") : null,
            String(e, "expression"),
            OptionalString(e, "doc"),
            Location(e)) { ModelLine = e.Line };
    }

    private static IoctlDecl Ioctl(JsonObject e)
    {
        var request = Integer(e, "request");
        var direction = String(e, "direction");
        var argument = e["argument"] is null ? null : Object(Required(e, "argument"), "argument");
        return new IoctlDecl(
            String(e, "name"),
            request >= 0 && request <= ulong.MaxValue ? (ulong)request : throw Error($"request {request} is not an unsigned 64-bit integer", e["request"]),
            String(e, "macro"),
            ModelNames.DirectionOf(direction) ?? throw Error($"unknown ioctl direction '{direction}' (known: {ModelNames.KnownDirections})", e["direction"]),
            UInt(e, "type"),
            UInt(e, "nr"),
            UInt(e, "size"),
            String(e, "expression"),
            argument is null ? null : new IoctlArgument(OptionalString(argument, "record"), OptionalString(argument, "scalar"), String(argument, "source")),
            OptionalString(e, "doc"),
            Location(e)) { ModelLine = e.Line };
    }
}
