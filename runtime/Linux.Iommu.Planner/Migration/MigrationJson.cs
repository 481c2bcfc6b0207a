using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>Migration answers as JSON for management tools: <c>linux-iommu-migration/1</c> for one move,
/// <c>linux-iommu-migration-matrix/1</c> for a matrix (its cells are moves). The schema is documented in docs/planner.md;
/// enum values are lower-case with dashes (<c>can-move</c>, <c>at-least</c>), sizes and addresses numbers.</summary>
public static class MigrationJson
{
    /// <summary>The <c>format</c> of one move.</summary>
    public const string Format = "linux-iommu-migration/1";

    /// <summary>The <c>format</c> of a matrix.</summary>
    public const string MatrixFormat = "linux-iommu-migration-matrix/1";

    /// <summary>One move, the hosts named <paramref name="source"/> and <paramref name="destination"/>.</summary>
    public static string Write(MigrationReport report, string source, string destination) =>
        Document(json => Move(json, report, source, destination, Format));

    /// <summary>Every cell of a matrix, row by row (from each host to each host).</summary>
    public static string Write(MigrationMatrix matrix) => Document(json =>
    {
        json.WriteStartObject();
        json.WriteString("format", MatrixFormat);
        json.WriteStartArray("hosts");
        foreach (var host in matrix.Hosts) json.WriteStringValue(host);
        json.WriteEndArray();
        json.WriteStartArray("cells");
        for (var from = 0; from < matrix.Hosts.Count; from++)
        {
            for (var to = 0; to < matrix.Hosts.Count; to++) Move(json, matrix[from, to], matrix.Hosts[from], matrix.Hosts[to], null);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary>How JSON names an enum value: <c>CanMove</c> → <c>can-move</c>.</summary>
    internal static string Kebab<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "-") + char.ToLowerInvariant(c) : c.ToString()));

    private static string Document(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Move(Utf8JsonWriter json, MigrationReport report, string source, string destination, string? format)
    {
        json.WriteStartObject();
        if (format is not null) json.WriteString("format", format);
        Host(json, "source", source, report.SourceHost);
        Host(json, "destination", destination, report.DestinationHost);
        json.WriteString("verdict", Kebab(report.Verdict));
        json.WriteString("mode", Kebab(report.Mode));
        if (report.FreshStartOnDestination is { } fresh) json.WriteString("freshStartOnDestination", Kebab(fresh));
        else json.WriteNull("freshStartOnDestination");
        Guest(json, report.Guest);
        json.WriteStartArray("devices");
        foreach (var device in report.Devices)
        {
            json.WriteStartObject();
            json.WriteString("source", device.Source);
            json.WriteString("destination", device.Destination);
            json.WriteString("sourceIommu", device.SourceIommu);
            json.WriteString("destinationIommu", device.DestinationIommu);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("requirements");
        foreach (var item in report.Items) Item(json, item);
        json.WriteEndArray();
        json.WriteStartArray("sourceFailures");
        foreach (var (branch, device, requirement) in report.SourceFailures)
        {
            json.WriteStartObject();
            json.WriteString("branch", Kebab(branch));
            json.WriteString("device", device);
            json.WriteString("id", requirement.Id);
            json.WriteString("name", requirement.Name);
            json.WriteString("required", requirement.Required);
            json.WriteString("offered", requirement.Offered);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("notChecked");
        foreach (var item in report.NotChecked) json.WriteStringValue(item);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Host(Utf8JsonWriter json, string property, string name, RecordedHost host)
    {
        json.WriteStartObject(property);
        json.WriteString("name", name);
        json.WriteString("kernel", host.Kernel);
        json.WriteString("architecture", host.Architecture);
        json.WriteEndObject();
    }

    private static void Guest(Utf8JsonWriter json, GuestViommuSpec guest)
    {
        json.WriteStartObject("guest");
        json.WriteString("model", guest.Model.Name);
        json.WriteNumber("inputAddressWidth", guest.InputAddressWidth);
        json.WriteStartArray("pageSizes");
        foreach (var size in guest.PageSizes) json.WriteNumberValue(size);
        json.WriteEndArray();
        json.WriteStartArray("iovaRanges");
        foreach (var range in guest.IovaRanges)
        {
            json.WriteStartObject();
            json.WriteNumber("start", range.Start);
            json.WriteNumber("last", range.Last);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("pasidBits", guest.PasidBits);
        json.WriteBoolean("pri", guest.Pri);
        json.WriteBoolean("dirtyTracking", guest.DirtyTracking);
        json.WriteBoolean("hostPassthrough", guest.HostPassthrough);
        json.WriteEndObject();
    }

    private static void Item(Utf8JsonWriter json, MigrationItem item)
    {
        json.WriteStartObject();
        json.WriteString("id", item.Id);
        json.WriteString("device", item.Device);
        json.WriteString("name", item.Name);
        json.WriteString("rule", MigrationRules.Text(item.Rule));
        json.WriteString("required", item.Required);
        if (item.Source is null) json.WriteNull("source");
        else json.WriteString("source", item.Source);
        json.WriteString("destination", item.Destination);
        json.WriteBoolean("met", item.Met);
        json.WriteBoolean("differs", item.Differs);
        if (item.Note is not null) json.WriteString("note", item.Note);
        json.WriteEndObject();
    }
}
