namespace Linux.Iommu.Planner;

/// <summary>A plan in force: its report, the IOAS, the devices and (for Nested) their nested objects. Hot-plug checks a
/// new device against it and either admits it or refuses it with reasons, leaving the plan and its mappings as they were.</summary>
public sealed class RunningPlan : IDisposable
{
    private readonly Planner _planner;
    private readonly List<PlannedDevice> _devices;
    private readonly Dictionary<string, NestedSetup> _nested;

    internal RunningPlan(Planner planner, PlanReport report, IommuFd iommu, Ioas ioas, IReadOnlyList<PlannedDevice> devices, IReadOnlyList<NestedSetup> setups)
    {
        _planner = planner;
        Report = report;
        Iommu = iommu;
        Ioas = ioas;
        _devices = devices.ToList();
        _nested = devices.Zip(setups).ToDictionary(p => p.First.Name, p => p.Second);
    }

    /// <summary>Why the plan is what it is.</summary>
    public PlanReport Report { get; }

    /// <summary>The decision.</summary>
    public PlanDecision Decision => Report.Decision;

    /// <summary>The iommufd.</summary>
    public IommuFd Iommu { get; }

    /// <summary>The kernel-managed IOAS: the shadow target, or the stage-2 space under the nest parents.</summary>
    public Ioas Ioas { get; }

    /// <summary>The devices in the plan.</summary>
    public IReadOnlyList<PlannedDevice> Devices => _devices;

    /// <summary>The nested objects of a device, or null when it runs on the shadow IOAS.</summary>
    public NestedSetup? NestedOf(string device) => _nested.GetValueOrDefault(device);

    /// <summary>Hot-plug: <paramref name="device"/> is bound, not attached. Admitted when the running plan can serve it
    /// unchanged; otherwise it is detached again and the report says why. The plan's other devices and mappings are not touched.</summary>
    public PlanReport HotPlug(PlannedDevice device)
    {
        if (Decision == PlanDecision.Refused) throw new InvalidOperationException("the plan was refused; nothing runs to hot-plug into");
        var hostIommu = Iommu.GetHwInfo(device.DeviceId);
        PlanReport Assess(IReadOnlyList<Requirement>? findings = null, IReadOnlyList<Requirement>? topology = null) =>
            Planner.Decide(Report.Spec, [(device.Name, hostIommu)], Planner.Facts(Ioas), findings, topology);
        var topology = Planner.Topology(Report.Spec, _devices.Append(device).Select(d => (d.Name, d.IommuGroup)));
        if (topology.Any(r => !r.Met))
        {
            return Assess(topology: topology) with { Decision = PlanDecision.Refused };
        }
        var groupmate = device.IommuGroup is null ? null : _devices.FirstOrDefault(d => d.IommuGroup == device.IommuGroup && _nested.ContainsKey(d.Name));
        if (Decision == PlanDecision.Nested)
        {
            var running = Report.Devices[0].HostIommu!;
            var same = Requirement.Check("same host IOMMU as the running plan", hostIommu.Equals(running), "identical IOMMU_GET_HW_INFO", hostIommu.Equals(running) ? "identical" : $"{hostIommu.Type} with other registers");
            var report = Assess([same]);
            if (report.Decision != PlanDecision.Nested) return report with { Decision = PlanDecision.Refused };
            try
            {
                // behind the same bridge as a running device: the same tables, nothing new to allocate
                var setup = groupmate is null ? _planner.AllocateNested(Report.Spec, Iommu, Ioas, device) : _nested[groupmate.Name];
                device.Attach(setup.Parent.Id);
                _nested[device.Name] = setup;
            }
            catch (IommuException e)
            {
                return report with { Decision = PlanDecision.Refused, PlanRequirements = [.. report.PlanRequirements, Planner.KernelRefusedNesting(e)] };
            }
            _devices.Add(device);
            return report;
        }

        // Shadow: attaching may add reserved regions (or fail if they collide with live mappings); re-check the IOAS after it.
        try
        {
            device.Attach(Ioas.Id);
        }
        catch (IommuException e)
        {
            var refused = Requirement.Check("attach to the running IOAS", false, "success", $"{e.Operation}: {e.ErrnoName} (its reserved regions collide with live mappings?)");
            return Assess([refused]) with { Decision = PlanDecision.Refused };
        }
        var shadow = Assess();
        if (!shadow.Devices[0].ShadowOk)
        {
            device.Detach();
            return shadow with { Decision = PlanDecision.Refused };
        }
        _devices.Add(device);
        return shadow with { Decision = PlanDecision.Shadow };
    }

    /// <summary>The guest turned translation off for a nested device (or it left nested mode): it moves onto the shadow
    /// IOAS; other devices stay where they are.</summary>
    public void FallBackToShadow(string device)
    {
        var planned = _devices.Single(d => d.Name == device);
        if (!_nested.TryGetValue(device, out var setup))
        {
            planned.Attach(Ioas.Id);
            return;
        }
        // the devices sharing these tables (one IOMMU group) cannot be told apart: they move together
        foreach (var member in _devices.Where(d => _nested.TryGetValue(d.Name, out var s) && ReferenceEquals(s, setup)))
        {
            member.Attach(Ioas.Id);
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
