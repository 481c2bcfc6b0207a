using System.Text;
using System.Text.Json;

namespace Linux.Iommu.Planner;

/// <summary>A <see cref="FleetPlacement"/> as JSON for management tools (<c>linux-iommu-placement/1</c>, documented
/// with its schema in docs/planner.md): the hosts, then per spec one placement per host in the hosts' order, each with
/// its decision and the first failed requirement of every branch tried before it. A reader keys on <c>format</c>, the
/// decisions and the requirement ids; the requirements' names and texts are for people and may change.</summary>
public static class FleetPlacementJson
{
    /// <summary>The <c>format</c> value this version writes.</summary>
    public const string Format = "linux-iommu-placement/1";

    /// <summary>The placement as JSON text (two-space indented).</summary>
    public static string Write(FleetPlacement placement)
    {
        using var buffer = new MemoryStream();
        Write(placement, buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the placement as JSON to <paramref name="output"/>, followed by a newline.</summary>
    public static void Write(FleetPlacement placement, Stream output)
    {
        ArgumentNullException.ThrowIfNull(placement);
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteStartArray("hosts");
            foreach (var host in placement.Fleet.Hosts)
            {
                json.WriteStartObject();
                json.WriteString("name", host.Name);
                json.WriteString("kernel", host.Record.Kernel);
                json.WriteString("architecture", host.Record.Architecture);
                json.WriteNumber("devices", host.Record.Devices.Count);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("specs");
            for (var spec = 0; spec < placement.Specs.Count; spec++) WriteSpec(json, placement, spec);
            json.WriteEndArray();
            json.WriteStartArray("unplaced");
            foreach (var name in placement.Unplaced) json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    private static void WriteSpec(Utf8JsonWriter json, FleetPlacement placement, int spec)
    {
        var (name, guest) = placement.Specs[spec];
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("model", guest.Model.Name);
        json.WriteNumber("nested", placement.Count(spec, PlanDecision.Nested));
        json.WriteNumber("shadow", placement.Count(spec, PlanDecision.Shadow));
        json.WriteNumber("refused", placement.Count(spec, PlanDecision.Refused));
        json.WriteStartArray("placements");
        var hosts = placement.Fleet.Hosts;
        var cells = placement.OnEveryHost(spec);
        for (var host = 0; host < cells.Count; host++)
        {
            var cell = cells[host];
            json.WriteStartObject();
            json.WriteString("host", hosts[host].Name);
            json.WriteString("decision", DecisionName(cell.Decision));
            json.WriteStartArray("failed");
            if (cell.NotNested is { } nested) WriteFailure(json, PlanDecision.Nested, nested);
            if (cell.NotShadow is { } shadow) WriteFailure(json, PlanDecision.Shadow, shadow);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteFailure(Utf8JsonWriter json, PlanDecision branch, PlacementFailure failure)
    {
        json.WriteStartObject();
        json.WriteString("branch", DecisionName(branch));
        json.WriteString("id", failure.Requirement.Id);
        json.WriteString("device", failure.Device);
        json.WriteString("requirement", failure.Requirement.Name);
        json.WriteString("required", failure.Requirement.Required);
        json.WriteString("offered", failure.Requirement.Offered);
        json.WriteEndObject();
    }

    /// <summary>How the format spells a decision or branch: nested, shadow, refused.</summary>
    private static string DecisionName(PlanDecision decision) => decision switch
    {
        PlanDecision.Nested => "nested",
        PlanDecision.Shadow => "shadow",
        _ => "refused",
    };
}
