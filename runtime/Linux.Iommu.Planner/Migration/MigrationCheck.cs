using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Can a running VM move from one recorded host to another in the same mode with the same guest-visible vIOMMU?
/// The guest keeps what it was shown at start (the spec; for a host-passthrough spec, the values derived on the source),
/// so the destination is planned for that guest in the source's mode only, by the planner's own requirements, and each
/// is set beside what the source offered. Nothing proposes changing the guest.</summary>
public static class MigrationCheck
{
    /// <summary>The kernel's side of IOMMU dirty tracking (feature names as <see cref="RecordedHost.KernelLacks"/> has them).</summary>
    private static readonly string[] DirtyTrackingIoctls = ["IOMMU_HWPT_SET_DIRTY_TRACKING", "IOMMU_HWPT_GET_DIRTY_BITMAP"];

    /// <summary>The answer for the VM of <paramref name="guest"/> and <paramref name="devices"/> (default: every device of
    /// the source, found on the destination by its PCI address) running on <paramref name="source"/> in
    /// <paramref name="mode"/> (default: the source's plan for those devices; Shadow for a VM whose nesting the source's
    /// kernel refused), moving to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">A device is not on the source, or named ambiguously there, or given twice;
    /// <paramref name="mode"/> is Refused; the planner does not have the spec's model.</exception>
    public static MigrationReport CheckMigration(this ViommuPlanner planner, GuestViommuSpec guest, RecordedHost source, RecordedHost destination,
        IReadOnlyList<DeviceMove>? devices = null, PlanDecision? mode = null)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (mode == PlanDecision.Refused) throw new ArgumentException("a running VM's mode is Nested or Shadow", nameof(mode));
        var moves = devices ?? [.. RecordedDeviceLookup.All(source).Select(d => new DeviceMove(d.Name, RecordedDeviceLookup.Identity(d.Name)))];
        if (moves.Count == 0) throw new ArgumentException("the VM has no device to move", nameof(devices));
        var onSource = moves.Select(m => OnSource(source, m.Source)).ToList();
        var twice = onSource.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"the source's device {twice.Key} is given twice", nameof(devices));

        var sourcePlan = planner.Plan(guest, RecordedDeviceLookup.Only(source, [.. onSource.Select(d => d.Name)]));
        if (mode is { } given) sourcePlan = sourcePlan with { Branches = [given] };
        if (sourcePlan.Decision == PlanDecision.Refused) return new MigrationReport(guest, source, destination, sourcePlan, null, [], []);

        var pairs = moves.Zip(onSource, (m, s) => (Source: s, Matches: RecordedDeviceLookup.Find(destination, m.Destination), Query: m.Destination)).ToList();
        var found = pairs.Where(p => p.Matches.Count == 1).Select(p => (p.Source, Destination: p.Matches[0])).ToList();
        var destinationPlan = planner.Plan(guest, RecordedDeviceLookup.Only(destination, [.. found.Select(p => p.Destination.Name)])) with { Branches = [sourcePlan.Decision] };

        var items = new List<MigrationItem> { Architecture(source, destination) };
        items.AddRange(pairs.Select(p => Present(p.Source, p.Matches, p.Query, destination)));
        if (found.Count > 1) items.Add(Groups(found));
        items.AddRange(found.Select(p => DirtyTracking(guest, source, p.Source, destination, p.Destination)));
        items.AddRange(Paired(sourcePlan, destinationPlan, found.Select(p => p.Source.Name).ToList()));
        var moved = found.Select(p => new MovedDevice(p.Source.Name, p.Destination.Name, p.Source.IommuText, p.Destination.IommuText)).ToList();
        return new MigrationReport(guest, source, destination, sourcePlan, destinationPlan, moved, items);
    }

    /// <summary>The answer for the VM of a plan running on this host, recorded as <paramref name="source"/> (its devices as
    /// <c>iommu probe</c> names them): the guest the plan was made for, its mode, and its devices, hot-plugged ones
    /// included, found on the destination by PCI address.</summary>
    /// <exception cref="InvalidOperationException">The plan was refused: nothing runs to move.</exception>
    /// <exception cref="ArgumentException">A device of the plan is not on <paramref name="source"/>.</exception>
    public static MigrationReport CheckMigration(this ViommuPlanner planner, RunningPlan running, RecordedHost source, RecordedHost destination)
    {
        ArgumentNullException.ThrowIfNull(running);
        if (running.Decision == PlanDecision.Refused) throw new InvalidOperationException("the plan was refused; nothing runs to move");
        // a type1 plan keeps no devices of its own: its report names them
        var names = running.Devices.Count > 0 ? running.Devices.Select(d => d.Name) : running.Report.Devices.Select(d => d.Device);
        var moves = names.Select(n => new DeviceMove(n, RecordedDeviceLookup.Identity(n))).ToList();
        return planner.CheckMigration(running.Report.Spec, source, destination, moves, running.Decision);
    }

    private static HostDevice OnSource(RecordedHost source, string query) => RecordedDeviceLookup.Find(source, query) switch
    {
        [var one] => one,
        [] => throw new ArgumentException($"the VM's device '{query}' is not on the source host (it has: {string.Join(", ", RecordedDeviceLookup.All(source).Select(d => d.Name))})", "devices"),
        var many => throw new ArgumentException($"'{query}' names {many.Count} devices of the source host ({string.Join(", ", many.Select(d => d.Name))}): name one", "devices"),
    };

    private static MigrationItem Architecture(RecordedHost source, RecordedHost destination) =>
        new(Id.MigrationArchitecture, "", "host architecture", MigrationRule.Exact, source.Architecture, source.Architecture, destination.Architecture,
            source.Architecture == destination.Architecture);

    private static MigrationItem Present(HostDevice device, List<HostDevice> matches, string query, RecordedHost destination) =>
        new(Id.MigrationDevice, device.Name, "device on the destination", MigrationRule.Present, query, device.Name, matches switch
        {
            [var one] => one.Name,
            [] => $"absent (it has: {string.Join(", ", RecordedDeviceLookup.All(destination).Select(d => d.Name))})",
            var many => $"{many.Count} devices match: {string.Join(", ", many.Select(d => d.Name))}",
        }, matches.Count == 1);

    /// <summary>Devices of one IOMMU group share a page table and the guest sees them behind one bridge: the grouping is
    /// part of what the guest sees, so it must be the same.</summary>
    private static MigrationItem Groups(List<(HostDevice Source, HostDevice Destination)> found)
    {
        string Grouping(Func<(HostDevice Source, HostDevice Destination), HostDevice> side) =>
            string.Join(" ", found.Select((p, i) => (p, i)).GroupBy(x => side(x.p).IommuGroup is { } g ? $"g{g}" : $"alone{x.i}")
                .Select(g => "{" + string.Join(", ", g.Select(x => x.p.Source.Name)) + "}"));
        var onSource = Grouping(p => p.Source);
        var onDestination = Grouping(p => p.Destination);
        return new(Id.MigrationIommuGroups, "", "devices grouped as on the source (IOMMU groups)", MigrationRule.Exact, onSource, onSource, onDestination,
            onSource == onDestination);
    }

    /// <summary>Whether the IOMMU logs the device's DMA writes on each host: deciding for a guest whose spec asks for dirty
    /// tracking, where the record says (a type1 container's dirty page tracking is not recorded).</summary>
    private static MigrationItem DirtyTracking(GuestViommuSpec guest, RecordedHost source, HostDevice onSource, RecordedHost destination, HostDevice onDestination)
    {
        var (sourceLogs, sourceText) = Logs(source, onSource);
        var (destinationLogs, destinationText) = Logs(destination, onDestination);
        var note = sourceLogs is null || destinationLogs is null ? "not recorded for a host recorded through the type1 container"
            : guest.DirtyTracking || sourceLogs.Value ? null
            : "without it the pages the device writes while memory is copied are not known: the device must be stopped for the copy";
        return new(Id.MigrationDirtyTracking, onSource.Name, "the IOMMU logs the device's DMA writes", MigrationRule.Feature,
            guest.DirtyTracking ? "dirty tracking on both hosts (the spec's dirtyTracking)" : "nothing (the spec has no dirtyTracking)",
            sourceText, destinationText, !guest.DirtyTracking || sourceLogs != false && destinationLogs != false, note);
    }

    private static (bool? Logs, string Text) Logs(RecordedHost host, HostDevice device)
    {
        if (device.HwInfo is not { } hw)
        {
            return host.Container?.Info.DirtyTracking is { } type1
                ? (true, $"type1 VFIO_IOMMU_DIRTY_PAGES ({Readable.Bytes(type1.PageSize)} pages; the kernel reports every mapped page dirty)")
                : (null, "not recorded (type1 container: VFIO_IOMMU_DIRTY_PAGES)");
        }
        var capability = hw.Capabilities.HasFlag(HwCapabilities.DirtyTracking);
        var missing = DirtyTrackingIoctls.Where(host.KernelLacks.Contains).ToList();
        var text = (capability ? "IOMMU_HW_CAP_DIRTY_TRACKING" : "no IOMMU_HW_CAP_DIRTY_TRACKING") +
                   (missing.Count == 0 ? "" : $", kernel {host.Kernel} lacks {string.Join(", ", missing)}");
        return (capability && missing.Count == 0, text);
    }

    /// <summary>The destination's requirements of the running mode, each beside the source's for the same device and
    /// guest value (the device by its source name: <paramref name="names"/> in the destination report's order).</summary>
    private static IEnumerable<MigrationItem> Paired(PlanReport source, PlanReport destination, List<string> names)
    {
        var nested = source.Decision == PlanDecision.Nested;
        IEnumerable<Requirement> Branch(DeviceAssessment d) => nested ? d.Nested : d.Shadow;
        var sourceDevices = source.Devices.ToDictionary(d => d.Device);
        var planLevel = Items("", destination.TopologyRequirements, source.TopologyRequirements)
            .Concat(nested ? Items("", destination.PlanRequirements, source.PlanRequirements) : []);
        return planLevel.Concat(destination.Devices.SelectMany((d, i) => Items(names[i], Branch(d), Branch(sourceDevices[names[i]]))));
    }

    /// <summary>Each of the destination's requirements with the source's of the same id and guest value (in order, where
    /// one id and value repeat).</summary>
    private static IEnumerable<MigrationItem> Items(string device, IEnumerable<Requirement> destination, IEnumerable<Requirement> source)
    {
        var unpaired = source.ToList();
        foreach (var requirement in destination)
        {
            var match = unpaired.FirstOrDefault(s => s.Id == requirement.Id && s.Required == requirement.Required);
            if (match is not null) unpaired.Remove(match);
            yield return new MigrationItem(requirement.Id, device, requirement.Name, MigrationRules.Of(requirement.Id), requirement.Required, match?.Offered,
                requirement.Offered, requirement.Met, requirement.Note);
        }
    }
}
