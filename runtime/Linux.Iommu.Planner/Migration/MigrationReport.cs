using System.Text;

namespace Linux.Iommu.Planner;

/// <summary>The answer of a migration check (<see cref="MigrationCheck"/>) with all its reasons. The <see cref="Verdict"/> is
/// derived from the items, never stored: Source refused when the source's plan is Refused, else Can move when the
/// destination meets every item, else Refused.</summary>
/// <param name="Guest">The guest-visible vIOMMU fixed at start, which the VM keeps.</param>
/// <param name="SourceHost">Where the VM runs.</param>
/// <param name="DestinationHost">Where it would move.</param>
/// <param name="SourcePlan">The VM's plan on the source (its devices only; the running mode alone where one was given).</param>
/// <param name="DestinationPlan">The destination planned for the same guest and the devices found there, in the running
/// mode only; null when the source's plan is Refused.</param>
/// <param name="Devices">The VM's devices found on both hosts.</param>
/// <param name="Items">Every requirement, the destination's beside the source's.</param>
public sealed record MigrationReport(GuestViommuSpec Guest, RecordedHost SourceHost, RecordedHost DestinationHost, PlanReport SourcePlan,
    PlanReport? DestinationPlan, IReadOnlyList<MovedDevice> Devices, IReadOnlyList<MigrationItem> Items)
{
    /// <summary>What no recorded host tells, whatever the answer.</summary>
    public const string DeviceMigrationNotRecorded =
        "the devices' own migration support is not recorded: a VFIO driver that saves and restores the device's state " +
        "(VFIO_DEVICE_FEATURE_MIGRATION), and device-side dirty logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_START)";

    /// <summary>What a host recorded through the type1 container does not tell.</summary>
    public const string ContainerDirtyTrackingNotRecorded =
        "the type1 container's dirty page tracking (VFIO_IOMMU_DIRTY_PAGES) is not recorded: migrate.dirty-tracking does not decide for such a host";

    /// <summary>The mode the VM runs in on the source (Nested or Shadow); Refused when it cannot run there.</summary>
    public PlanDecision Mode => SourcePlan.Decision;

    /// <summary>Can move, Refused, or Source refused.</summary>
    public MigrationVerdict Verdict =>
        Mode == PlanDecision.Refused ? MigrationVerdict.SourceRefused
        : DestinationPlan?.Decision == Mode && Items.All(i => i.Met) ? MigrationVerdict.CanMove
        : MigrationVerdict.Refused;

    /// <summary>The items the destination does not meet: why the VM must not move.</summary>
    public IEnumerable<MigrationItem> Blocking => Items.Where(i => !i.Met);

    /// <summary>Where the source's plan is Refused: every failed requirement of each branch it could have taken.</summary>
    public IEnumerable<(PlanDecision Branch, string Device, Requirement Requirement)> SourceFailures =>
        Mode != PlanDecision.Refused ? [] : SourcePlan.Branches.SelectMany(b => SourcePlan.Failures(b).Select(f => (b, f.Device, f.Requirement)));

    /// <summary>How a VM of this guest started anew on the destination would be planned (any mode), for comparison; null
    /// when the source's plan is Refused.</summary>
    public PlanDecision? FreshStartOnDestination => DestinationPlan is null ? null : (DestinationPlan with { Branches = [PlanDecision.Nested, PlanDecision.Shadow] }).Decision;

    /// <summary>What this check could not see: the devices' own migration support, and what the destination's plan
    /// leaves to its kernel.</summary>
    public IReadOnlyList<string> NotChecked =>
        [
            DeviceMigrationNotRecorded,
            .. Unrecorded(SourceHost) || Unrecorded(DestinationHost) ? new[] { ContainerDirtyTrackingNotRecorded } : [],
            .. (DestinationPlan?.NotChecked ?? []).Select(n => $"destination: {n}"),
        ];

    /// <summary>A readable multi-line report; <paramref name="source"/> and <paramref name="destination"/> name the hosts.</summary>
    public string Describe(string source = "the source", string destination = "the destination")
    {
        var text = new StringBuilder();
        text.Append(Verdict switch
        {
            MigrationVerdict.CanMove => $"Migration: CAN MOVE - {destination} runs the VM in {Mode} with the same guest-visible vIOMMU\n",
            MigrationVerdict.Refused => $"Migration: REFUSED - {destination} cannot give the guest what it saw on {source}: do not move\n",
            _ => $"Migration: SOURCE REFUSED - the VM cannot run on {source}: its plan there is Refused\n",
        });
        text.Append($"Guest vIOMMU (fixed at start): {PlanReport.Guest(Guest)}" +
                    (Guest.HostPassthrough ? $" [host-passthrough: the values {source} showed the guest]" : "") + "\n");
        foreach (var (branch, device, requirement) in SourceFailures)
            text.Append($"  on {source}, {branch}{(device.Length == 0 ? "" : $" ({device})")}: {requirement}\n");
        if (Mode == PlanDecision.Refused) return text.ToString();

        text.Append($"Mode on {source}: {Mode}; started anew, {destination} would plan: {FreshStartOnDestination}\n");
        foreach (var device in Devices)
        {
            text.Append($"Device {device.Source} -> {device.Destination}: host IOMMU {device.SourceIommu} -> {device.DestinationIommu}\n");
        }
        Section(text, $"Blocking ({destination} differs where the guest cannot follow):", Blocking);
        Section(text, "Different, the guest still served:", Items.Where(i => i.Met && i.Differs));
        text.Append($"{Items.Count(i => i.Met && !i.Differs)} more requirement(s) offered alike on both hosts.\n");
        foreach (var item in NotChecked) text.Append($"  not checked: {item}\n");
        return text.ToString();
    }

    // a record written to JSON keeps no type1 dirty tracking; one recorded in this process may have it
    private static bool Unrecorded(RecordedHost host) => host.Container is { Info.DirtyTracking: null };

    private static void Section(StringBuilder text, string title, IEnumerable<MigrationItem> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        text.Append(title).Append('\n');
        foreach (var item in list) text.Append($"  {item}\n");
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
