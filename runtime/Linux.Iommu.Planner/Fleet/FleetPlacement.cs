using System.Text;

namespace Linux.Iommu.Planner;

/// <summary>The decision for every spec on every host of a fleet (<see cref="ViommuPlanner.Place"/>), each cell with
/// the requirement that decided it; printable as a table (<see cref="Describe"/>) and as JSON
/// (<see cref="FleetPlacementJson"/>).</summary>
public sealed class FleetPlacement
{
    private readonly Placement[][] _cells;

    internal FleetPlacement(IReadOnlyList<(string Name, GuestViommuSpec Spec)> specs, HostFleet fleet, Placement[][] cells)
    {
        Specs = specs;
        Fleet = fleet;
        _cells = cells;
    }

    /// <summary>The specs, in the order they were given, with their names.</summary>
    public IReadOnlyList<(string Name, GuestViommuSpec Spec)> Specs { get; }

    /// <summary>The hosts.</summary>
    public HostFleet Fleet { get; }

    /// <summary>Spec <paramref name="spec"/> on host <paramref name="host"/> (indices into <see cref="Specs"/> and the
    /// fleet's hosts).</summary>
    public Placement this[int spec, int host] => _cells[spec][host];

    /// <summary>Spec <paramref name="spec"/> on every host, in the fleet's order.</summary>
    public IReadOnlyList<Placement> OnEveryHost(int spec) => _cells[spec];

    /// <summary>On how many hosts spec <paramref name="spec"/> is placed with <paramref name="decision"/>.</summary>
    public int Count(int spec, PlanDecision decision) => _cells[spec].Count(c => c.Decision == decision);

    /// <summary>The names of the specs that are Refused on every host.</summary>
    public IReadOnlyList<string> Unplaced => [.. Specs.Where((_, i) => Count(i, PlanDecision.Refused) == _cells[i].Length).Select(s => s.Name)];

    /// <summary>A table for people: a row per host, a column per spec, each cell the decision and the id of the
    /// requirement that decided it; then per spec on how many hosts it is placed and how.</summary>
    public string Describe()
    {
        var header = new[] { "host" }.Concat(Specs.Select(s => s.Name)).ToArray();
        var rows = Fleet.Hosts.Select((h, host) => new[] { h.Name }.Concat(_cells.Select(c => Cell(c[host]))).ToArray()).ToList();
        var widths = header.Select((title, column) => rows.Select(r => r[column].Length).Append(title.Length).Max()).ToArray();
        var text = new StringBuilder();
        text.Append($"Placement of {Specs.Count} spec(s) on {Fleet.Hosts.Count} recorded host(s); Shadow names the nested requirement that failed, REFUSED the shadow one\n");
        foreach (var row in rows.Prepend(header))
            text.Append(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd()).Append('\n');
        for (var spec = 0; spec < Specs.Count; spec++)
        {
            var (nested, shadow) = (Count(spec, PlanDecision.Nested), Count(spec, PlanDecision.Shadow));
            text.Append(nested + shadow == 0
                ? $"{Specs[spec].Name}: placed on no host\n"
                : $"{Specs[spec].Name}: placed on {nested + shadow} of {Fleet.Hosts.Count} host(s) (Nested {nested}, Shadow {shadow})\n");
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    private static string Cell(Placement placement) => placement.Decision switch
    {
        PlanDecision.Nested => "Nested",
        var decision => $"{(decision == PlanDecision.Refused ? "REFUSED" : "Shadow")} {placement.Deciding?.Requirement.Id ?? "(no requirement)"}",
    };
}
