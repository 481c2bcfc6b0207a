using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Parsing;

internal sealed record ModelParseResult(ModelInfo? Model, DiagnosticInfo? Error);

/// <summary>Reads a model file into <see cref="ModelInfo"/>, or one IOMMUGEN001 diagnostic pointing at
/// the line of the first problem. Never throws.</summary>
internal static class ModelParser
{
    private sealed class FormatError : Exception
    {
        public FormatError(string message, JsonNode? at) : base(message) => At = at;
        public JsonNode? At { get; }
    }

    public static ModelParseResult Parse(string path, string text)
    {
        try
        {
            var root = Object(JsonReader.Parse(text), "the model");
            var schema = Int(root, "schema");
            if (schema != 1) throw new FormatError($"schema {schema} is not supported (this generator reads schema 1)", root["schema"]);
            var set = Object(Required(root, "headerSet"), "headerSet");
            return new ModelParseResult(new ModelInfo(
                path,
                String(root, "arch"),
                String(set, "name"),
                String(set, "version"),
                List(root, "records", Record),
                List(root, "enums", Enum),
                List(root, "constants", Constant),
                List(root, "ioctls", Ioctl)), null);
        }
        catch (JsonException e)
        {
            return Failure(path, e.Message, e.Line, e.Column);
        }
        catch (FormatError e)
        {
            return Failure(path, e.Message, e.At?.Line ?? 0, e.At?.Column ?? 0);
        }
    }

    private static ModelParseResult Failure(string path, string message, int line, int column) =>
        new(null, DiagnosticInfo.Create(Diagnostics.MalformedModel, new LocationInfo(path, line, column, column + 1), path, message));

    private static JsonObject Object(JsonNode node, string what) =>
        node as JsonObject ?? throw new FormatError($"{what} must be a JSON object", node);

    private static JsonNode Required(JsonObject owner, string name) =>
        owner[name] ?? throw new FormatError($"missing property '{name}'{Owner(owner)}", owner);

    private static string Owner(JsonObject owner) => owner["name"] is JsonString name ? $" in '{name.Value}'" : "";

    private static string String(JsonObject owner, string name) =>
        Required(owner, name) is JsonString s ? s.Value : throw new FormatError($"'{name}'{Owner(owner)} must be a string", owner[name]);

    private static string? OptionalString(JsonObject owner, string name) =>
        owner[name] switch
        {
            null => null,
            JsonString s => s.Value,
            var other => throw new FormatError($"'{name}'{Owner(owner)} must be a string", other),
        };

    private static string Number(JsonObject owner, string name) =>
        Required(owner, name) is JsonNumber n && !n.Text.Contains(".") && !n.Text.Contains("e") && !n.Text.Contains("E")
            ? n.Text
            : throw new FormatError($"'{name}'{Owner(owner)} must be an integer", owner[name]);

    private static long Long(JsonObject owner, string name)
    {
        var text = Number(owner, name);
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new FormatError($"'{name}'{Owner(owner)} must be a non-negative integer, not {text}", owner[name]);
    }

    private static int Int(JsonObject owner, string name) => checked((int)Long(owner, name));

    private static bool Bool(JsonObject owner, string name) =>
        owner[name] switch
        {
            null => false,
            JsonLiteral { Value: bool b } => b,
            var other => throw new FormatError($"'{name}'{Owner(owner)} must be true or false", other),
        };

    private static EquatableArray<T> List<T>(JsonObject owner, string name, Func<JsonObject, T> read) where T : IEquatable<T> =>
        Required(owner, name) is JsonArray array
            ? array.Items.Select(item => read(Object(item, $"an item of '{name}'"))).ToEquatableArray()
            : throw new FormatError($"'{name}' must be an array", owner[name]);

    private static RecordInfo Record(JsonObject e)
    {
        var kind = String(e, "kind");
        if (kind != "struct" && kind != "union") throw new FormatError($"record kind '{kind}' is neither struct nor union", e["kind"]);
        return new RecordInfo(String(e, "name"), kind == "union", OptionalString(e, "parent"), Long(e, "size"), Long(e, "align"), Bool(e, "packed"),
            List(e, "fields", Field), OptionalString(e, "doc"), String(e, "location"), e.Line);
    }

    private static FieldInfo Field(JsonObject e) => new(
        OptionalString(e, "name"),
        Long(e, "offset"),
        Type(Object(Required(e, "type"), "type")),
        e["bitOffset"] is null ? null : Long(e, "bitOffset"),
        e["bitWidth"] is null ? null : Int(e, "bitWidth"),
        OptionalString(e, "doc"),
        String(e, "location"),
        e.Line);

    private static readonly HashSet<string> Kinds = new() { "int", "pointer", "record", "enum", "array", "flexible-array" };

    private static TypeInfo Type(JsonObject e)
    {
        var kind = String(e, "kind");
        if (!Kinds.Contains(kind)) throw new FormatError($"unknown type kind '{kind}' (known: {string.Join(", ", Kinds)})", e["kind"]);
        var element = e["element"] is null ? null : Type(Object(Required(e, "element"), "element"));
        if ((kind == "array" || kind == "flexible-array") && element is null) throw new FormatError($"an {kind} type needs an 'element'", e);
        if ((kind == "record" || kind == "enum") && e["name"] is null) throw new FormatError($"a {kind} type needs a 'name'", e);
        return new TypeInfo(kind, String(e, "c"), Long(e, "size"), Long(e, "align"), Bool(e, "signed"), OptionalString(e, "name"), element,
            kind == "array" ? Long(e, "count") : null);
    }

    private static EnumInfo Enum(JsonObject e) => new(
        OptionalString(e, "name"),
        Type(Object(Required(e, "type"), "type")),
        List(e, "constants", c => new EnumConstantInfo(String(c, "name"), Number(c, "value"), OptionalString(c, "doc"))),
        OptionalString(e, "doc"),
        String(e, "location"),
        e.Line);

    private static ConstantInfo Constant(JsonObject e)
    {
        var isString = String(e, "kind") == "string";
        return new ConstantInfo(String(e, "name"), isString, isString ? null : String(e, "ctype"), isString ? String(e, "text") : Number(e, "value"),
            OptionalString(e, "doc"), String(e, "location"), e.Line);
    }

    private static IoctlInfo Ioctl(JsonObject e)
    {
        var argument = e["argument"] is null ? null : Object(Required(e, "argument"), "argument");
        var request = Number(e, "request");
        return new IoctlInfo(
            String(e, "name"),
            ulong.TryParse(request, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatError($"request {request} is not an unsigned 64-bit integer", e["request"]),
            String(e, "direction"),
            checked((uint)Long(e, "size")),
            argument is null ? null : OptionalString(argument, "record"),
            argument is null ? null : OptionalString(argument, "scalar"),
            OptionalString(e, "doc"),
            String(e, "location"),
            e.Line);
    }
}
