namespace Linux.Iommu.Planner;

/// <summary>One check of the plan: what the guest's vIOMMU needs, what the host offers, and whether that suffices.
/// <see cref="Id"/> is stable (a <see cref="RequirementId"/>: code and tests key on it); <see cref="Name"/> and the
/// text of <see cref="ToString"/> are for people and may change. <see cref="Note"/> carries facts worth reporting that
/// do not decide (e.g. an erratum the VMM must work around).</summary>
public sealed record Requirement(string Id, string Name, string Required, string Offered, bool Met, string? Note = null)
{
    /// <summary>"✓ name: needs X, host offers Y".</summary>
    public override string ToString() => $"{(Met ? "✓" : "✗")} {Name}: needs {Required}, host offers {Offered}{(Note is null ? "" : $" ({Note})")}";

    internal static Requirement Check(string id, string name, bool met, string required, string offered, string? note = null) =>
        new(id, name, required, offered, met, note);

    /// <summary>A register bit the guest needs set: needs "yes", offers "yes"/"no".</summary>
    internal static Requirement Bit(string id, string name, bool offered) => new(id, name, "yes", Readable.YesNo(offered), offered);
}
