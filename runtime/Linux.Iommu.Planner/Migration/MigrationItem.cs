namespace Linux.Iommu.Planner;

/// <summary>One requirement of a migration: what the guest saw (<see cref="Required"/>), what the source offered, what the
/// destination offers, by which <see cref="Rule"/> they compare, and whether the destination meets it. <see cref="Id"/> is
/// the planner's <see cref="RequirementId"/>.</summary>
/// <param name="Id">The stable requirement id.</param>
/// <param name="Device">The VM's device it concerns, by its name on the source; empty for the VM as a whole.</param>
/// <param name="Name">For people.</param>
/// <param name="Rule">How the destination is compared with the guest's value.</param>
/// <param name="Required">What the guest needs (its value, fixed at start).</param>
/// <param name="Source">What the source offered; null where the source was not asked (the device is not there).</param>
/// <param name="Destination">What the destination offers.</param>
/// <param name="Met">The destination meets it.</param>
/// <param name="Note">A fact worth reporting that does not decide.</param>
public sealed record MigrationItem(string Id, string Device, string Name, MigrationRule Rule, string Required, string? Source, string Destination,
    bool Met, string? Note = null)
{
    /// <summary>The two hosts offer different values (the guest may still be served, where the rule allows it).</summary>
    public bool Differs => Source != Destination;

    /// <summary>"✗ name [rule]: guest X; source A, destination B".</summary>
    public override string ToString() =>
        $"{(Met ? "✓" : "✗")} {Name}{(Device.Length == 0 ? "" : $" ({Device})")} [{MigrationRules.Text(Rule)}]: guest needs {Required}; " +
        $"source {Source ?? "-"}, destination {Destination}{(Note is null ? "" : $" ({Note})")}";
}
