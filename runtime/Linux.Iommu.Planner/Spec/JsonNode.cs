using System.Globalization;
using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>A JSON value with its path from the document root (<c>devices[0].hwInfo.data</c>), read by the spec and
/// recorded-host readers: every problem becomes <see cref="Error"/>'s exception naming that path.</summary>
internal sealed record JsonNode(JsonElement Element, string Path, Func<string, string, Exception> Error)
{
    /// <summary>The document's root object, or the error for text that is no JSON object.</summary>
    public static JsonNode Root(string json, Func<string, string, Exception> error)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw Unparsable(json, e, error);
        }
        return root.ValueKind == JsonValueKind.Object ? new JsonNode(root, "", error) : throw error("(document)", "must be a JSON object");
    }

    /// <summary>Text that is no JSON, named by the line where the parser stopped (<c>line 12</c>, 1-based) and, when
    /// nothing but white space follows that point, called truncated: a record cut short by a full disk or an
    /// interrupted copy.</summary>
    private static Exception Unparsable(string json, JsonException e, Func<string, string, Exception> error)
    {
        if (e.LineNumber is not { } line) return error("(document)", $"not valid JSON: {e.Message}");
        var reason = e.Message;
        var at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at > 0) reason = reason[..at];
        var column = e.BytePositionInLine ?? 0;
        var lineStart = 0;
        for (var i = 0L; i < line && lineStart < json.Length; i++)
        {
            var end = json.IndexOf('\n', lineStart);
            lineStart = end < 0 ? json.Length : end + 1;
        }
        var stop = (int)Math.Min(lineStart + column, json.Length);
        return error($"line {line + 1}", string.IsNullOrWhiteSpace(json[stop..])
            ? $"not valid JSON: the text ends before the JSON does (truncated?): {reason}"
            : $"not valid JSON at byte {column + 1} of the line: {reason}");
    }

    /// <summary>Refuses a property not in <paramref name="known"/> rather than ignoring it.</summary>
    public void OnlyKnown(IReadOnlyCollection<string> known)
    {
        foreach (var property in Element.EnumerateObject())
        {
            if (!known.Contains(property.Name)) throw Error(Child(property.Name), $"unknown field (known: {string.Join(", ", known)})");
        }
    }

    public bool Has(string name) => Element.TryGetProperty(name, out _);

    public JsonNode Required(string name) =>
        Element.TryGetProperty(name, out var value) ? new JsonNode(value, Child(name), Error) : throw Error(Child(name), "is required");

    public T Optional<T>(string name, Func<JsonNode, T> read, T fallback) => Has(name) ? read(Required(name)) : fallback;

    public JsonNode Object() => Element.ValueKind == JsonValueKind.Object ? this : throw Error(Path, "must be an object");

    public string String() => Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error(Path, "must be a string");

    public int Int() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var v) ? v : throw Error(Path, "must be an integer");

    public bool Bool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error(Path, "must be true or false"),
    };

    public List<T> List<T>(Func<JsonNode, T> read) =>
        Element.ValueKind == JsonValueKind.Array
            ? Element.EnumerateArray().Select((e, i) => read(new JsonNode(e, $"{Path}[{i}]", Error))).ToList()
            : throw Error(Path, "must be an array");

    /// <summary>A byte count or address: a number, "0x…" hex, or a size with K/M/G suffix ("4K", "2M").</summary>
    public ulong Size()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out var n)) return n;
        if (Element.ValueKind != JsonValueKind.String) throw Error(Path, "must be a number or a string such as \"4K\" or \"0x1000\"");
        var text = Element.GetString()!.Trim();
        ulong multiplier = text.EndsWith('K') ? 1UL << 10 : text.EndsWith('M') ? 1UL << 20 : text.EndsWith('G') ? 1UL << 30 : 1;
        if (multiplier != 1) text = text[..^1];
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out n)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (!ok || (multiplier != 1 && n > ulong.MaxValue / multiplier)) throw Error(Path, $"'{Element.GetString()}' is not a size or address");
        return n * multiplier;
    }

    /// <summary>An inclusive IOVA range: <c>{ "start": …, "last": … }</c>.</summary>
    public IovaRange Range()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error(Path, "must be an object with start and last");
        var start = Required("start").Size();
        var last = Required("last").Size();
        if (last < start) throw Error(Path, $"last 0x{last:x} is below start 0x{start:x}");
        return new IovaRange(start, last);
    }

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";
}
