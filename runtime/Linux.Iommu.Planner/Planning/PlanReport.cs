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
    public IReadOnlyList<PlanDecision> Branches { get; init; } = NestedThenShadow;

    private static readonly IReadOnlyList<PlanDecision> NestedThenShadow = [PlanDecision.Nested, PlanDecision.Shadow];

    /// <summary>What this plan could not check and the live plan would (e.g. the kernel's allocation of the nested page
    /// tables, when planned against a recorded host). Empty for a plan made on the host itself.</summary>
    public IReadOnlyList<string> NotChecked { get; init; } = [];

    /// <summary>Where a Shadow plan maps the guest's translations: a kernel-managed IOAS, or on a kernel without iommufd
    /// the legacy VFIO type1 container.</summary>
    public string ShadowTarget { get; init; } = "a kernel-managed IOAS";

    /// <summary>The first branch whose requirements all hold; Refused when none does.</summary>
    public PlanDecision Decision => Decide(out _, out _);

    /// <summary>False for a host-passthrough spec: the guest sees this host's IOMMU, another host may differ.</summary>
    public bool Migratable => Spec.Migratable;

    /// <summary>Every requirement that failed for <paramref name="branch"/>, with the device it failed for (empty for
    /// plan-level ones).</summary>
    public IEnumerable<(string Device, Requirement Requirement)> Failures(PlanDecision branch) => Checked(branch).Where(c => !c.Requirement.Met);

    /// <summary>The first of <see cref="Failures"/>, found with one allocation (a fleet's placement asks for it per host).</summary>
    internal (string Device, Requirement Requirement)? FirstFailure(PlanDecision branch)
    {
        foreach (var check in Checked(branch))
        {
            if (!check.Requirement.Met) return check;
        }
        return null;
    }

    /// <summary>Every requirement of <paramref name="branch"/>: the topology's, the plan's (Nested only), then each
    /// device's, in that order.</summary>
    private IEnumerable<(string Device, Requirement Requirement)> Checked(PlanDecision branch)
    {
        for (var i = 0; i < TopologyRequirements.Count; i++) yield return ("", TopologyRequirements[i]);
        for (var i = 0; branch == PlanDecision.Nested && i < PlanRequirements.Count; i++) yield return ("", PlanRequirements[i]);
        for (var d = 0; d < Devices.Count; d++)
        {
            var device = Devices[d];
            var requirements = branch == PlanDecision.Nested ? device.Nested : device.Shadow;
            for (var i = 0; i < requirements.Count; i++) yield return (device.Device, requirements[i]);
        }
    }

    /// <summary>The <see cref="Decision"/>, with the first failure of the Nested and the Shadow branch where it tried
    /// them and they did not hold (a fleet's placement keeps them per host). Nesting needs at least one device whose
    /// IOMMU said what it offers; Refused is never a branch that holds.</summary>
    internal PlanDecision Decide(out (string Device, Requirement Requirement)? notNested, out (string Device, Requirement Requirement)? notShadow)
    {
        (notNested, notShadow) = (null, null);
        for (var i = 0; i < Branches.Count; i++)
        {
            var branch = Branches[i];
            if (branch == PlanDecision.Refused) continue;
            var failure = FirstFailure(branch);
            if (failure is null && (branch != PlanDecision.Nested || Devices.Count > 0 && Devices.All(d => d.Nested.Count > 0))) return branch;
            if (branch == PlanDecision.Nested) notNested = failure;
            else notShadow = failure;
        }
        return PlanDecision.Refused;
    }

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
