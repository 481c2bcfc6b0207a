using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Linux.Iommu.Planner;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Recorded hosts that are not what <c>iommu probe --save</c> wrote: another format version, a record cut
/// short, a field removed or of another type. Each is a <see cref="RecordedHostException"/> naming the file, where (the
/// JSON path, or the line for text that is no JSON) and what is wrong; nothing else is ever thrown.</summary>
public class RecordedHostBadInputTests
{
    private static readonly string Legacy = File.ReadAllText(global::Iommu.Tests.Shared.RepositoryRoot.Combine("tests", "data", "hosts", "qemu-vtd-legacy.json"));

    private static RecordedHostException Refused(string json) => Assert.Throws<RecordedHostException>(() => RecordedHostJson.Parse(json, "host.json"));

    [Fact]
    public void A_record_of_another_format_version_is_named_as_such_before_its_fields_are_read()
    {
        // a later version may add fields: the version is what is wrong, not the field
        var e = Refused(Legacy.Replace("\"format\": \"linux-iommu-host/1\",", "\"format\": \"linux-iommu-host/2\", \"numaNode\": 0,"));

        Assert.Equal("recorded host host.json: format: 'linux-iommu-host/2' is another version of the recorded-host format than the linux-iommu-host/1 this version reads: record the host again with this version's iommu probe --save", e.Message);
    }

    [Fact]
    public void A_file_that_is_no_recorded_host_says_so_by_its_format()
    {
        var spec = File.ReadAllText(global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs", "vtd-shadow-4k.json"));

        Assert.Equal(("format", "is required: a recorded host (iommu probe --save) names its format, linux-iommu-host/1"), (Refused(spec).Field, Refused(spec).Problem));
        Assert.Equal("'linux-iommu-placement/1' is not a recorded host (linux-iommu-host/1)", Refused("""{ "format": "linux-iommu-placement/1" }""").Problem);
    }

    [Fact]
    public void A_truncated_record_is_named_by_the_line_where_it_ends()
    {
        var cut = Legacy[..Legacy.IndexOf("\"iovaRanges\"", StringComparison.Ordinal)];
        var line = cut.Count(c => c == '\n') + 1;

        var e = Refused(cut);

        Assert.Equal($"line {line}", e.Field);
        Assert.StartsWith("not valid JSON: the text ends before the JSON does (truncated?): ", e.Problem);
    }

    [Fact]
    public void Text_that_breaks_off_inside_is_named_by_line_and_byte()
    {
        var e = Refused(Legacy.Replace("\"maxPasidLog2\": 0", "\"maxPasidLog2\": 0x"));

        var line = Legacy[..Legacy.IndexOf("\"maxPasidLog2\"", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Equal($"line {line}", e.Field);
        Assert.StartsWith("not valid JSON at byte ", e.Problem);
    }

    /// <summary>Cut after every character: always the exception, never another one, and every cut but the whole text
    /// is refused.</summary>
    [Fact]
    public void A_record_cut_anywhere_is_refused_with_the_exception()
    {
        var end = Legacy.TrimEnd().Length;
        for (var length = 0; length < end; length++)
        {
            var e = Refused(Legacy[..length]);
            Assert.True(e.Field.StartsWith("line ", StringComparison.Ordinal), $"cut at {length}: {e.Message}");
        }
    }

    /// <summary>Every field of the record removed, one at a time: a required one is named by its path.</summary>
    [Fact]
    public void Every_required_field_removed_is_named_by_its_path()
    {
        foreach (var (path, parent, name) in Fields(JsonNode.Parse(Legacy)!, ""))
        {
            if (name is "iommuGroup" || parent is not JsonObject) continue; // optional
            var edited = JsonNode.Parse(Legacy)!;
            ((JsonObject)Find(edited, path[..Math.Max(0, path.LastIndexOf('.'))])!).Remove(name);
            var e = Refused(edited.ToJsonString());
            Assert.Equal(path, e.Field);
            Assert.StartsWith("is required", e.Problem);
        }
    }

    /// <summary>Every value of the record replaced by each JSON type: refused naming a field, or (where the other type is
    /// as good, e.g. a number for a size) read; never anything but <see cref="RecordedHostException"/>.</summary>
    [Fact]
    public void Every_value_of_another_type_is_refused_with_the_exception_or_read()
    {
        JsonNode?[] others = [JsonValue.Create("x"), JsonValue.Create(-1), JsonValue.Create(1.5), JsonValue.Create(true), null, new JsonArray(), new JsonObject()];
        var refused = 0;
        foreach (var (path, _, _) in Fields(JsonNode.Parse(Legacy)!, ""))
        {
            foreach (var other in others)
            {
                var edited = JsonNode.Parse(Legacy)!;
                Find(edited, path)!.ReplaceWith(other?.DeepClone());
                try
                {
                    RecordedHostJson.Parse(edited.ToJsonString(), "host.json");
                }
                catch (RecordedHostException e)
                {
                    Assert.StartsWith(path.Split('[', '.')[0], e.Field);
                    refused++;
                }
            }
        }
        Assert.True(refused > 100, $"{refused} edits refused");
    }

    private static IEnumerable<(string Path, JsonNode Parent, string Name)> Fields(JsonNode node, string at)
    {
        if (node is JsonObject o)
        {
            foreach (var (name, child) in o)
            {
                var path = at.Length == 0 ? name : $"{at}.{name}";
                yield return (path, o, name);
                if (child is not null) foreach (var inner in Fields(child, path)) yield return inner;
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                if (a[i] is { } item) foreach (var inner in Fields(item, $"{at}[{i}]")) yield return inner;
            }
        }
    }

    private static JsonNode? Find(JsonNode root, string path)
    {
        var node = root;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Split('[')[0];
            node = node![name];
            foreach (var index in part.Split('[').Skip(1)) node = node![int.Parse(index.TrimEnd(']'))];
        }
        return node;
    }
}
