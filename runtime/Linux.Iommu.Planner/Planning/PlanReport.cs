using System.Text;

namespace Linux.Iommu.Planner;

/// <summary>How the guest's vIOMMU is backed.</summary>
public enum PlanDecision
{
    /// <summary>The host IOMMU walks the guest's page tables (nest-parent + nested HWPTs).</summary>
    Nested,
    /// <summary>A kernel-managed IOAS mirrors the guest's page tables (the shadow engine).</summary>
    Shadow,
    /// <summary>Neither: the VM must not start (or the hot-plug is refused).</summary>
    Refused,
}

/// <summary>What was checked for one device.</summary>
public sealed record DeviceAssessment(string Device, HwInfo? HostIommu, IReadOnlyList<Requirement> Nested, IReadOnlyList<Requirement> Shadow)
{
    /// <summary>Every nested requirement met.</summary>
    public bool NestedOk => Nested.Count > 0 && Nested.All(r => r.Met);

    /// <summary>Every shadow requirement met.</summary>
    public bool ShadowOk => Shadow.All(r => r.Met);
}

/// <summary>The planner's answer and all its reasons, printable for people.</summary>
public sealed record PlanReport(PlanDecision Decision, GuestViommuSpec Spec, IReadOnlyList<DeviceAssessment> Devices, IReadOnlyList<Requirement> PlanRequirements,
    IReadOnlyList<Requirement>? Topology = null)
{
    /// <summary>Requirements on how the devices are grouped (IOMMU groups behind bridges): they hold for every branch.</summary>
    public IReadOnlyList<Requirement> TopologyRequirements => Topology ?? [];

    /// <summary>False for a host-passthrough spec: the guest sees this host's IOMMU, another host may differ.</summary>
    public bool Migratable => Spec.Migratable;

    /// <summary>Every requirement that failed, with the device it failed for (empty for plan-level ones).</summary>
    public IEnumerable<(string Device, Requirement Requirement)> Failures(PlanDecision branch) =>
        TopologyRequirements.Where(r => !r.Met).Select(r => ("", r))
            .Concat(PlanRequirements.Where(r => !r.Met && branch == PlanDecision.Nested).Select(r => ("", r)))
            .Concat(Devices.SelectMany(d => (branch == PlanDecision.Nested ? d.Nested : d.Shadow).Where(r => !r.Met).Select(r => (d.Device, r))));

    /// <summary>A readable multi-line report.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append($"Decision: {Decision.ToString().ToUpperInvariant()}");
        text.Append(Decision switch
        {
            PlanDecision.Nested => " - the host IOMMU walks the guest's page tables",
            PlanDecision.Shadow => " - the guest's IO page tables are shadowed into a kernel-managed IOAS",
            _ => " - the host cannot provide this vIOMMU: do not start",
        });
        text.Append('\n');
        text.Append($"Guest vIOMMU: {Spec.Model}, {Spec.InputAddressWidth}-bit IOVA, pages {string.Join("/", Spec.PageSizes.Select(ShadowRequirements.Size))}, " +
                    $"PASID {Spec.PasidBits} bits, PRI {Requirement.YesNo(Spec.Pri)}, dirty tracking {Requirement.YesNo(Spec.DirtyTracking)}" +
                    (Migratable ? "" : " [host-passthrough: NOT migratable]") + "\n");
        foreach (var requirement in TopologyRequirements.Concat(PlanRequirements)) text.Append($"  {requirement}\n");
        foreach (var device in Devices)
        {
            text.Append($"Device {device.Device}: host IOMMU {(device.HostIommu is null ? "unknown" : NestedRequirements.TypeName(device.HostIommu.Type))}\n");
            text.Append("  nested (host walks guest tables):\n");
            foreach (var requirement in device.Nested) text.Append($"    {requirement}\n");
            text.Append("  shadow (kernel-managed IOAS):\n");
            foreach (var requirement in device.Shadow) text.Append($"    {requirement}\n");
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
