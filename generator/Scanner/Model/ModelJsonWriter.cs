using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Iommu.Scanner.Model;

/// <summary>Writes a model as pretty-printed JSON in a fixed property order, so a rescan of the same
/// headers reproduces the committed file byte for byte. Absent values are omitted, not written as null.</summary>
internal static class ModelJsonWriter
{
    public static string Write(AbiModel model)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", model.Schema);
            json.WriteString("scanner", model.Scanner);
            json.WriteStartObject("headerSet");
            json.WriteString("name", model.HeaderSet.Name);
            json.WriteString("package", model.HeaderSet.Package);
            json.WriteString("version", model.HeaderSet.Version);
            json.WriteEndObject();
            json.WriteString("arch", model.Arch);
            json.WriteString("triple", model.Triple);
            Array(json, "headers", model.Headers, json.WriteStringValue);
            if (model.AbsentHeaders.Count > 0) Array(json, "absentHeaders", model.AbsentHeaders, json.WriteStringValue);
            Array(json, "records", model.Records, r => Record(json, r));
            Array(json, "enums", model.Enums, e => Enum(json, e));
            Array(json, "constants", model.Constants, c => Constant(json, c));
            Array(json, "ioctls", model.Ioctls, i => Ioctl(json, i));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n") + "\n";
    }

    private static void Array<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (var item in items) write(item);
        json.WriteEndArray();
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null) json.WriteString(name, value);
    }

    private static void Int(Utf8JsonWriter json, string name, System.Numerics.BigInteger value)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Location(Utf8JsonWriter json, SourceLocation at) => json.WriteString("location", $"{at.File}:{at.Line}");

    private static void Record(Utf8JsonWriter json, RecordDecl record)
    {
        json.WriteStartObject();
        json.WriteString("name", record.Name);
        json.WriteString("kind", ModelNames.Of(record.Kind));
        Optional(json, "parent", record.Parent);
        json.WriteNumber("size", record.Size);
        json.WriteNumber("align", record.Align);
        if (record.Packed) json.WriteBoolean("packed", true);
        Location(json, record.Location);
        Optional(json, "doc", record.Doc);
        Array(json, "fields", record.Fields, field =>
        {
            json.WriteStartObject();
            Optional(json, "name", field.Name);
            json.WriteNumber("offset", field.Offset);
            if (field.BitWidth is { } width)
            {
                json.WriteNumber("bitOffset", field.BitOffset!.Value);
                json.WriteNumber("bitWidth", width);
            }
            json.WritePropertyName("type");
            Type(json, field.Type);
            Location(json, field.Location);
            Optional(json, "doc", field.Doc);
            json.WriteEndObject();
        });
        json.WriteEndObject();
    }

    private static void Type(Utf8JsonWriter json, TypeRef type)
    {
        json.WriteStartObject();
        json.WriteString("kind", ModelNames.Of(type.Kind));
        json.WriteString("c", type.C);
        json.WriteNumber("size", type.Size);
        json.WriteNumber("align", type.Align);
        if (type.Kind is TypeKind.Int or TypeKind.Enum) json.WriteBoolean("signed", type.Signed);
        Optional(json, "name", type.Name);
        if (type.Count is { } count) json.WriteNumber("count", count);
        if (type.Element is { } element)
        {
            json.WritePropertyName("element");
            Type(json, element);
        }
        json.WriteEndObject();
    }

    private static void Enum(Utf8JsonWriter json, EnumDecl decl)
    {
        json.WriteStartObject();
        Optional(json, "name", decl.Name);
        json.WritePropertyName("type");
        Type(json, decl.IntegerType);
        Location(json, decl.Location);
        Optional(json, "doc", decl.Doc);
        Array(json, "constants", decl.Constants, constant =>
        {
            json.WriteStartObject();
            json.WriteString("name", constant.Name);
            Int(json, "value", constant.Value);
            Optional(json, "doc", constant.Doc);
            json.WriteEndObject();
        });
        json.WriteEndObject();
    }

    private static void Constant(Utf8JsonWriter json, ConstantDecl constant)
    {
        json.WriteStartObject();
        json.WriteString("name", constant.Name);
        json.WriteString("kind", ModelNames.Of(constant.Kind));
        if (constant.Kind == ConstantKind.Integer)
        {
            json.WriteString("ctype", constant.CType);
            json.WriteNumber("size", constant.Size);
            Int(json, "value", constant.Value);
        }
        else
        {
            json.WriteString("text", constant.Text);
        }
        json.WriteString("expression", constant.Expression);
        Location(json, constant.Location);
        Optional(json, "doc", constant.Doc);
        json.WriteEndObject();
    }

    private static void Ioctl(Utf8JsonWriter json, IoctlDecl ioctl)
    {
        json.WriteStartObject();
        json.WriteString("name", ioctl.Name);
        json.WriteNumber("request", ioctl.Request);
        json.WriteString("macro", ioctl.Macro);
        json.WriteString("direction", ModelNames.Of(ioctl.Direction));
        json.WriteNumber("type", ioctl.Type);
        json.WriteNumber("nr", ioctl.Number);
        json.WriteNumber("size", ioctl.Size);
        json.WriteString("expression", ioctl.Expression);
        if (ioctl.Argument is { } argument)
        {
            json.WriteStartObject("argument");
            Optional(json, "record", argument.Record);
            Optional(json, "scalar", argument.Scalar);
            json.WriteString("source", argument.Source);
            json.WriteEndObject();
        }
        Location(json, ioctl.Location);
        Optional(json, "doc", ioctl.Doc);
        json.WriteEndObject();
    }
}
