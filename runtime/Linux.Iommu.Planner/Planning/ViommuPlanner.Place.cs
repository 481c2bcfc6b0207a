namespace Linux.Iommu.Planner;

public sealed partial class ViommuPlanner
{
    /// <summary>Places every spec on every host of <paramref name="fleet"/>: the decision
    /// <see cref="Plan(GuestViommuSpec, RecordedHost)"/> makes for that host, from the same rules, with the requirement
    /// that decided it. Each rule is evaluated once per spec and distinct fact (host IOMMU, IOAS, kernel) of the fleet,
    /// so a cell costs little more than assembling its report.</summary>
    /// <param name="specs">The specs, each with the name placements show.</param>
    /// <param name="fleet">The hosts.</param>
    /// <exception cref="ArgumentException">A spec's model is not one of this planner's.</exception>
    public FleetPlacement Place(IReadOnlyList<(string Name, GuestViommuSpec Spec)> specs, HostFleet fleet)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(fleet);
        foreach (var (_, spec) in specs) RequireRegistered(spec);
        var cells = new Placement[specs.Count][];
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i].Spec;
            var rules = new MemoizedPlanRules(spec);
            var row = cells[i] = new Placement[fleet.Facts.Count];
            for (var host = 0; host < row.Length; host++) row[host] = Placement.Of(Decide(spec, fleet.Facts[host], rules));
        }
        return new FleetPlacement(specs, fleet, cells);
    }
}
