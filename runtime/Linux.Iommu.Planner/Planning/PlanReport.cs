using System.Text;
using static Linux.Iommu.Readable;

namespace Linux.Iommu.Planner;

/// <summary>The planner's answer and all its reasons, printable for people. The <see cref="Decision"/> is derived from
/// the requirements, never stored: the first of <see cref="Branches"/> whose requirements all hold, else Refused, so a
/// report cannot disagree with its own reasons.</summary>
/// <param name="Spec">The guest's vIOMMU.</param>
/// <param name="Devices">What was checked per device.</param>
/// <param name="PlanRequirements">Plan-level requirements of the Nested branch (one IOMMU for all devices, the
/// kernel's allocation).</param>
/// <param name="TopologyRequirements">Requirements on how the devices are grouped (IOMMU groups behind bridges): they
/// hold for every branch.</param>
public sealed record PlanReport(GuestViommuSpec Spec, IReadOnlyList<DeviceAssessment> Devices, IReadOnlyList<Requirement> PlanRequirements,
    IReadOnlyList<Requirement> TopologyRequirements)
{
    /// <summary>The branches this report may take, in order of preference: Nested, then Shadow for a new plan; only the
    /// running plan's own branch for a hot-plug (a device joins the plan as it runs, or not at all).</summary>
    public IReadOnlyList<PlanDecision> Branches { get; init; } = [PlanDecision.Nested, PlanDecision.Shadow];

    /// <summary>What this plan could not check and the live plan would (e.g. the kernel's allocation of the nested page
    /// tables, when planned against a recorded host). Empty for a plan made on the host itself.</summary>
    public IReadOnlyList<string> NotChecked { get; init; } = [];

    /// <summary>Where a Shadow plan maps the guest's translations: a kernel-managed IOAS, or on a kernel without iommufd
    /// the legacy VFIO type1 container.</summary>
    public string ShadowTarget { get; init; } = "a kernel-managed IOAS";

    /// <summary>The first branch whose requirements all hold; Refused when none does.</summary>
    public PlanDecision Decision => Branches.Where(Holds).DefaultIfEmpty(PlanDecision.Refused).First();

    /// <summary>False for a host-passthrough spec: the guest sees this host's IOMMU, another host may differ.</summary>
    public bool Migratable => Spec.Migratable;

    /// <summary>Every requirement that failed for <paramref name="branch"/>, with the device it failed for (empty for
    /// plan-level ones).</summary>
    public IEnumerable<(string Device, Requirement Requirement)> Failures(PlanDecision branch) =>
        TopologyRequirements.Where(r => !r.Met).Select(r => ("", r))
            .Concat(PlanRequirements.Where(r => !r.Met && branch == PlanDecision.Nested).Select(r => ("", r)))
            .Concat(Devices.SelectMany(d => (branch == PlanDecision.Nested ? d.Nested : d.Shadow).Where(r => !r.Met).Select(r => (d.Device, r))));

    // Nesting needs at least one device whose IOMMU said what it offers; Refused is never a branch that holds.
    private bool Holds(PlanDecision branch) =>
        branch != PlanDecision.Refused && !Failures(branch).Any() && (branch != PlanDecision.Nested || Devices.Count > 0 && Devices.All(d => d.Nested.Count > 0));

    /// <summary>A readable multi-line report.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append($"Decision: {Decision.ToString().ToUpperInvariant()}");
        text.Append(Decision switch
        {
            PlanDecision.Nested => " - the host IOMMU walks the guest's page tables",
            PlanDecision.Shadow => $" - the guest's IO page tables are shadowed into {ShadowTarget}",
            _ => " - the host cannot provide this vIOMMU: do not start",
        });
        text.Append('\n');
        text.Append($"Guest vIOMMU: {Guest(Spec)}" + (Migratable ? "" : " [host-passthrough: NOT migratable]") + "\n");
        foreach (var item in NotChecked) text.Append($"  not checked: {item}\n");
        foreach (var requirement in TopologyRequirements.Concat(PlanRequirements)) text.Append($"  {requirement}\n");
        foreach (var device in Devices)
        {
            text.Append($"Device {device.Device}: host IOMMU {(device.HostIommu is null ? "unknown" : NestedRequirements.TypeName(device.HostIommu.Type, Spec))}" +
                        (device.HostIommu is null ? "" : $"; ATS {device.HostIommu.AtsText}") + "\n");
            text.Append("  nested (host walks guest tables):\n");
            foreach (var requirement in device.Nested) text.Append($"    {requirement}\n");
            text.Append($"  shadow ({ShadowTarget}):\n");
            foreach (var requirement in device.Shadow) text.Append($"    {requirement}\n");
        }
        return text.ToString();
    }

    /// <summary>What the guest sees, in one line: model, IOVA width, pages, PASID, PRI, dirty tracking.</summary>
    internal static string Guest(GuestViommuSpec spec) =>
        $"{spec.Model.Name}, {spec.InputAddressWidth}-bit IOVA, pages {string.Join("/", spec.PageSizes.Select(Bytes))}, " +
        $"PASID {spec.PasidBits} bits, PRI {YesNo(spec.Pri)}, dirty tracking {YesNo(spec.DirtyTracking)}";

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
