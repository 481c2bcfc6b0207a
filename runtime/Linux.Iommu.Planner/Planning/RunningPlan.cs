
namespace Linux.Iommu.Planner;

/// <summary>A plan in force: its report, the address space it shadows into, the devices and (for Nested) their nested
/// objects. Hot-plug checks a new device against it and either admits it or refuses it with reasons, leaving the plan and
/// its mappings as they were. A plan made in a type1 container (<see cref="ViommuPlanner.Plan(GuestViommuSpec, VfioDeviceSet)"/>
/// on <see cref="IommuBackend.Type1"/>) has no iommufd objects: <see cref="Iommu"/> and <see cref="Ioas"/> are null, it has
/// no <see cref="Devices"/> to move and no hot-plug.</summary>
public sealed class RunningPlan : IDisposable
{
    private readonly List<PlannedDevice> _devices;
    private readonly Dictionary<string, NestedSetup> _nested;

    internal RunningPlan(PlanReport report, IommuFd iommu, Ioas ioas, IReadOnlyList<PlannedDevice> devices, IReadOnlyList<NestedSetup> setups)
    {
        Report = report;
        Iommu = iommu;
        Ioas = ioas;
        ShadowTarget = ioas;
        _devices = devices.ToList();
        _nested = devices.Zip(setups).ToDictionary(p => p.First.Name, p => p.Second);
    }

    /// <summary>A plan in the type1 container: Shadow into it, or Refused.</summary>
    internal RunningPlan(PlanReport report, VfioContainer container)
    {
        Report = report;
        ShadowTarget = container;
        _devices = [];
        _nested = [];
    }

    /// <summary>Why the plan is what it is.</summary>
    public PlanReport Report { get; }

    /// <summary>The decision.</summary>
    public PlanDecision Decision => Report.Decision;

    /// <summary>The iommufd, or null for a plan in the type1 container.</summary>
    public IommuFd? Iommu { get; }

    /// <summary>The kernel-managed IOAS: the shadow target, or the stage-2 space under the nest parents; null for a plan in
    /// the type1 container.</summary>
    public Ioas? Ioas { get; }

    /// <summary>Where a shadowed guest's mappings go: the <see cref="Ioas"/>, or the type1 container.</summary>
    public IDmaMapper ShadowTarget { get; }

    /// <summary>The devices in the plan (iommufd; empty in the type1 container, where devices do not move).</summary>
    public IReadOnlyList<PlannedDevice> Devices => _devices;

    /// <summary>The nested objects of a device, or null when it runs on the shadow IOAS.</summary>
    public NestedSetup? NestedOf(string device) => _nested.GetValueOrDefault(device);

    /// <summary>Hot-plug: <paramref name="device"/> is bound, not attached. Admitted when the running plan can serve it
    /// unchanged; otherwise it is detached again and the report says why. The plan's other devices and mappings are not
    /// touched. The report's only branch is the running plan's, so its decision is that branch or Refused.</summary>
    public PlanReport HotPlug(PlannedDevice device)
    {
        if (Decision == PlanDecision.Refused) throw new InvalidOperationException("the plan was refused; nothing runs to hot-plug into");
        if (Iommu is null || Ioas is null) throw new InvalidOperationException("this plan runs in the type1 container: hot-plug checks a device's IOMMU through iommufd (open the devices with IommuBackend.Iommufd)");
        var hostIommu = Iommu.GetHwInfo(device.DeviceId);
        var topology = ViommuPlanner.Topology(Report.Spec, _devices.Append(device).Select(d => (d.Name, d.IommuGroup)));
        PlanReport Assess(IReadOnlyList<Requirement>? findings = null) =>
            ViommuPlanner.Decide(Report.Spec, [(device.Name, hostIommu)], ViommuPlanner.Facts(Ioas), findings, topology) with { Branches = [Decision] };
        if (topology.Any(r => !r.Met)) return Assess();
        return Decision == PlanDecision.Nested ? HotPlugNested(device, hostIommu, Assess) : HotPlugShadow(device, Assess);
    }

    private PlanReport HotPlugNested(PlannedDevice device, HwInfo hostIommu, Func<IReadOnlyList<Requirement>?, PlanReport> assess)
    {
        var running = Report.Devices[0].HostIommu!;
        var same = Requirement.Check(RequirementId.HotPlugSameHostIommu, "same host IOMMU as the running plan", hostIommu.Equals(running),
            "identical IOMMU_GET_HW_INFO", hostIommu.Equals(running) ? "identical" : $"{hostIommu.Type} with other registers");
        var report = assess([same]);
        if (report.Decision != PlanDecision.Nested) return report;
        // behind the same bridge as a running device: the same tables, nothing new to allocate
        var groupmate = device.IommuGroup is null ? null : _devices.FirstOrDefault(d => d.IommuGroup == device.IommuGroup && _nested.ContainsKey(d.Name));
        try
        {
            var setup = groupmate is null ? ViommuPlanner.AllocateNested(Report.Spec, Iommu!, Ioas!, device) : _nested[groupmate.Name];
            device.Attach(setup.Parent.Id);
            _nested[device.Name] = setup;
        }
        catch (IommuException e)
        {
            return report with { PlanRequirements = [.. report.PlanRequirements, ViommuPlanner.KernelRefusedNesting(e)] };
        }
        _devices.Add(device);
        return report;
    }

    private PlanReport HotPlugShadow(PlannedDevice device, Func<IReadOnlyList<Requirement>?, PlanReport> assess)
    {
        // Attaching may add reserved regions (or fail if they collide with live mappings); the IOAS is checked after it.
        try
        {
            device.Attach(Ioas!.Id); // iommufd: HotPlug checked it
        }
        catch (IommuException e)
        {
            var report = assess(null);
            var attach = Requirement.Check(RequirementId.HotPlugAttach, "attach to the running IOAS", false, "success",
                $"{e.Operation}: {e.ErrnoName} (its reserved regions collide with live mappings?)");
            return report with { Devices = [.. report.Devices.Select(d => d with { Shadow = [attach, .. d.Shadow] })] };
        }
        var shadow = assess(null);
        if (shadow.Decision != PlanDecision.Shadow)
        {
            device.Detach();
            return shadow;
        }
        _devices.Add(device);
        return shadow;
    }

    /// <summary>The guest turned translation off for a nested device (or it left nested mode): it moves onto the shadow
    /// IOAS; other devices stay where they are.</summary>
    public void FallBackToShadow(string device)
    {
        var planned = _devices.Single(d => d.Name == device);
        if (!_nested.TryGetValue(device, out var setup))
        {
            planned.Attach(Ioas!.Id); // a planned device exists only on iommufd
            return;
        }
        // the devices sharing these tables (one IOMMU group) cannot be told apart: they move together
        foreach (var member in _devices.Where(d => _nested.TryGetValue(d.Name, out var s) && ReferenceEquals(s, setup)))
        {
            member.Attach(Ioas!.Id);
            _nested.Remove(member.Name);
        }
        setup.Dispose();
    }

    /// <summary>Destroys the nested objects (devices move back to the IOAS first).</summary>
    public void Dispose()
    {
        while (_nested.Count > 0) FallBackToShadow(_nested.Keys.First());
    }
}
