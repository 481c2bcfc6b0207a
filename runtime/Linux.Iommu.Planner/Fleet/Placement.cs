namespace Linux.Iommu.Planner;

/// <summary>One cell of a <see cref="FleetPlacement"/>: how one host backs one spec, and the requirement that decided
/// it. The branches are tried in the planner's order, Nested then Shadow: a Shadow placement is one whose nested branch
/// failed (<see cref="NotNested"/>), a Refused one failed both.</summary>
/// <param name="Decision">Nested, Shadow or Refused, as <see cref="ViommuPlanner.Plan(GuestViommuSpec, RecordedHost)"/>
/// decides for this host.</param>
/// <param name="NotNested">The first requirement of the nested branch that failed; null when it holds.</param>
/// <param name="NotShadow">The first requirement of the shadow branch that failed; null unless Refused.</param>
public readonly record struct Placement(PlanDecision Decision, PlacementFailure? NotNested, PlacementFailure? NotShadow)
{
    /// <summary>What decided the mode: for Shadow the nested requirement that failed, for Refused the shadow requirement
    /// that failed; null for Nested, which no requirement stands in the way of.</summary>
    public PlacementFailure? Deciding => Decision switch
    {
        PlanDecision.Shadow => NotNested,
        PlanDecision.Refused => NotShadow,
        _ => null,
    };

    /// <summary>The placement a report decides. A report's failures are listed topology first, then the plan's, then
    /// each device's in order, so the first is the same on every run.</summary>
    internal static Placement Of(PlanReport report)
    {
        var decision = report.Decide(out var notNested, out var notShadow);
        return new Placement(decision, Failure(notNested), Failure(notShadow));
    }

    private static PlacementFailure? Failure((string Device, Requirement Requirement)? failure) =>
        failure is var (device, requirement) ? new PlacementFailure(device, requirement) : null;
}

/// <summary>A requirement that failed on a host, and the device it failed for.</summary>
/// <param name="Device">The device, as the host's record names it; empty for a requirement of the whole plan (one
/// IOMMU for all devices, a kernel ioctl, the IOMMU groups).</param>
/// <param name="Requirement">What was required, what the host offers.</param>
public sealed record PlacementFailure(string Device, Requirement Requirement);
