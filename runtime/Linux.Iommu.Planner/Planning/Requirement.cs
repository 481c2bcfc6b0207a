namespace Linux.Iommu.Planner;

/// <summary>One check of the plan: what the guest's vIOMMU needs, what the host offers, and whether that suffices.
/// <see cref="Note"/> carries facts worth reporting that do not decide (e.g. an erratum the VMM must work around).</summary>
public sealed record Requirement(string Name, string Required, string Offered, bool Met, string? Note = null)
{
    /// <summary>"✓ name: needs X, host offers Y".</summary>
    public override string ToString() => $"{(Met ? "✓" : "✗")} {Name}: needs {Required}, host offers {Offered}{(Note is null ? "" : $" ({Note})")}";

    internal static Requirement Check(string name, bool met, string required, string offered, string? note = null) => new(name, required, offered, met, note);

    internal static string YesNo(bool value) => value ? "yes" : "no";
}
