using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>The seed's two-stage fallback, after the devices are attached: (1) the exact vIOMMU in hardware (nested),
/// (2) else a kernel-managed IOAS that maps every guest IOVA range with pages no larger than the guest's (shadow),
/// (3) else refuse. No negotiation: the spec is never changed. Everything model-specific comes from the spec's
/// <see cref="ViommuModel"/>: the <see cref="BuiltInModels"/>, and the plug-in models it is made with.</summary>
/// <param name="plugIns">Models beyond the built-in ones (e.g. the selftest mock of Linux.Iommu.Testing).</param>
/// <exception cref="ArgumentException">Two models have one name.</exception>
public sealed partial class ViommuPlanner(params IReadOnlyList<ViommuModel> plugIns)
{
    /// <summary>The models every planner knows: Intel VT-d, ARM SMMUv3 and AMD-Vi, with their default fields.</summary>
    public static IReadOnlyList<ViommuModel> BuiltInModels => ModelRegistry.BuiltIn;

    /// <summary>The models this planner accepts in specs: the built-in ones, then its plug-ins.</summary>
    public IReadOnlyList<ViommuModel> Models { get; } = ModelRegistry.With(plugIns);

    /// <summary>Loads and validates a spec file, knowing this planner's models.</summary>
    /// <exception cref="SpecException">The file is missing or the spec is invalid (the field is named).</exception>
    public GuestViommuSpec LoadSpec(string path) => SpecLoader.Load(path, Models);

    /// <summary>The host-passthrough spec for <paramref name="host"/> (see <see cref="HostPassthrough"/>).</summary>
    public GuestViommuSpec PassThrough(HwInfo host, ShadowFacts ioas) => HostPassthrough.Derive(host, ioas, Models);

    /// <summary>The host-passthrough spec for a recorded host: derived from its first device, over that device's IOVA ranges.</summary>
    /// <exception cref="InvalidOperationException">The host was recorded through the type1 container, which reports no
    /// IOMMU_GET_HW_INFO to derive from; or no known model nests on its IOMMU.</exception>
    public GuestViommuSpec PassThrough(RecordedHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Container is not null)
            throw new InvalidOperationException("host-passthrough derives the spec from IOMMU_GET_HW_INFO, which a host without iommufd does not report (it was recorded through the type1 container)");
        var first = host.Devices[0];
        return PassThrough(first.HwInfo, new ShadowFacts(first.IovaRanges, first.IovaAlignment, host.HostPageSize));
    }

    /// <summary>Decides from facts alone (the decision tests use recorded hw_info): no kernel call.</summary>
    public static PlanReport Decide(GuestViommuSpec spec, IReadOnlyList<(string Name, HwInfo HostIommu)> devices, ShadowFacts ioas,
        IReadOnlyList<Requirement>? kernelFindings = null, IReadOnlyList<Requirement>? topology = null) =>
        Decide(spec, devices, devices.Select(d => d.HostIommu).Distinct().Count(), ioas, kernelFindings ?? [], topology ?? [], PlanRules.Direct);

    /// <summary>Decides with the requirements <paramref name="rules"/> gives (the rules themselves, or remembered ones), for
    /// devices behind <paramref name="distinctIommus"/> different host IOMMUs.</summary>
    internal static PlanReport Decide(GuestViommuSpec spec, IReadOnlyList<(string Name, HwInfo HostIommu)> devices, int distinctIommus, ShadowFacts ioas,
        IReadOnlyList<Requirement> kernelFindings, IReadOnlyList<Requirement> topology, PlanRules rules)
    {
        var planRequirements = new List<Requirement>(kernelFindings.Count + 1);
        if (devices.Count > 1)
        {
            // The seed: devices behind IOMMUs with different page-table formats cannot share one guest page table.
            planRequirements.Add(Requirement.Check(Id.OneHostIommu, "one host IOMMU for all devices", distinctIommus == 1, "identical IOMMU_GET_HW_INFO",
                distinctIommus == 1 ? "identical" : $"{distinctIommus} different IOMMUs"));
        }
        planRequirements.AddRange(kernelFindings);
        var shadow = rules.Shadow(spec, ioas);
        var assessments = new DeviceAssessment[devices.Count];
        for (var i = 0; i < assessments.Length; i++) assessments[i] = new DeviceAssessment(devices[i].Name, devices[i].HostIommu, rules.Nested(spec, devices[i].HostIommu), shadow);
        return new PlanReport(spec, assessments, planRequirements, topology);
    }

    /// <summary>Devices of one IOMMU group share a requester ID (behind a PCIe-to-PCI bridge): no IOMMU tells them apart,
    /// so they get one page table — or the VM is refused, as the spec says.</summary>
    public static List<Requirement> Topology(GuestViommuSpec spec, IEnumerable<(string Name, int? Group)> devices) => Topology(spec.BridgedDevices, devices);

    /// <summary>The topology requirements under the spec's <see cref="GuestViommuSpec.BridgedDevices"/> policy, the only
    /// part of the spec they read.</summary>
    internal static List<Requirement> Topology(BridgedDevices policy, IEnumerable<(string Name, int? Group)> devices) =>
        devices.Where(d => d.Group is not null).GroupBy(d => d.Group!.Value).Where(g => g.Count() > 1).OrderBy(g => g.Key)
            .Select(g => Requirement.Check(Id.SharedIommuGroup, $"devices of IOMMU group {g.Key} (behind one bridge)", policy == BridgedDevices.SharePageTable,
                policy == BridgedDevices.SharePageTable ? "one shared page table" : "no shared requester IDs (bridgedDevices: refuse)",
                string.Join(", ", g.Select(d => d.Name)) + " share one requester ID"))
            .ToList();

    /// <summary>Plans for devices already bound and attached to <paramref name="ioas"/>. For Nested it allocates the
    /// nested objects and moves each device onto its nest parent; a kernel refusal falls back to the next stage.</summary>
    public RunningPlan Plan(GuestViommuSpec spec, IommuFd iommu, Ioas ioas, IReadOnlyList<PlannedDevice> devices)
    {
        RequireRegistered(spec);
        var facts = devices.Select(d => (d.Name, iommu.GetHwInfo(d.DeviceId))).ToList();
        var ioasFacts = Facts(ioas);
        var topology = Topology(spec, devices.Select(d => (d.Name, d.IommuGroup)));
        var kernel = KernelRequirements.For(spec, iommu.Features);
        var report = Decide(spec, facts, ioasFacts, kernel, topology);
        if (report.Decision != PlanDecision.Nested)
        {
            return new RunningPlan(report, iommu, ioas, devices, []);
        }

        var setups = new List<NestedSetup>();
        try
        {
            // one set of nested page tables per IOMMU group: devices behind one bridge share it
            var groupSetups = new Dictionary<int, NestedSetup>();
            foreach (var device in devices)
            {
                if (device.IommuGroup is { } group && groupSetups.TryGetValue(group, out var shared))
                {
                    setups.Add(shared);
                    continue;
                }
                var setup = AllocateNested(spec, iommu, ioas, device);
                if (device.IommuGroup is { } newGroup) groupSetups[newGroup] = setup;
                setups.Add(setup);
            }
            foreach (var (device, setup) in devices.Zip(setups)) device.Attach(setup.Parent.Id);
            return new RunningPlan(report, iommu, ioas, devices, setups);
        }
        catch (IommuException e)
        {
            // The registers promised nesting but the kernel refused: say so, and take the next stage.
            foreach (var device in devices) device.Attach(ioas.Id);
            foreach (var setup in setups.Distinct()) setup.Dispose();
            return new RunningPlan(Decide(spec, facts, ioasFacts, [.. kernel, KernelRefusedNesting(e)], topology), iommu, ioas, devices, []);
        }
    }

    /// <summary>Plans against a recorded host, on any machine: the same requirements as <see cref="Plan(GuestViommuSpec, IommuFd, Ioas, IReadOnlyList{PlannedDevice})"/>
    /// from the same facts, but no kernel is asked, so the report lists in <see cref="PlanReport.NotChecked"/> what the
    /// live plan would still try. A host recorded through the type1 container is planned as <see cref="PlanLegacy"/> is
    /// on the host: Shadow into the container or Refused.</summary>
    public PlanReport Plan(GuestViommuSpec spec, RecordedHost host)
    {
        RequireRegistered(spec);
        var report = Decide(spec, new RecordedHostFacts(host), PlanRules.Direct);
        return report.Decision == PlanDecision.Nested
            ? report with { NotChecked = [$"kernel allocation not tried: recorded host ({host.Kernel}, {host.Architecture}); on the host itself a kernel that refuses IOMMU_HWPT_ALLOC / IOMMU_VIOMMU_ALLOC makes the plan fall back to Shadow"] }
            : report;
    }

    /// <summary>The decision against a recorded host's facts: the one path of <see cref="Plan(GuestViommuSpec, RecordedHost)"/>
    /// and of a fleet's placement.</summary>
    internal static PlanReport Decide(GuestViommuSpec spec, RecordedHostFacts host, PlanRules rules) => host.Host.Container is { } container
        ? LegacyPlanning.Decide(spec, host.Ioas, [.. container.Devices.Select(d => (d.Name, d.IommuGroup))], container.IommufdMissing, rules)
        : Decide(spec, host.Devices, host.DistinctIommus, host.Ioas, rules.Kernel(spec, host.Kernel), host.Topology(spec.BridgedDevices), rules);

    /// <summary>Plans for the devices of <paramref name="devices"/> on the backend they were opened through: on iommufd as
    /// <see cref="Plan(GuestViommuSpec, IommuFd, Ioas, IReadOnlyList{PlannedDevice})"/> (Nested, Shadow or Refused; nested
    /// objects allocated and kept by the plan), in the type1 container as <see cref="PlanLegacy"/> (Shadow into the
    /// container, or Refused). Dispose the plan before the set.</summary>
    public RunningPlan Plan(GuestViommuSpec spec, VfioDeviceSet devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Backend == IommuBackend.Type1)
            return new RunningPlan(PlanLegacy(spec, devices.Container!, [.. devices.Devices.Select(d => (PlannedDevice.NameOf(d), d.IommuGroup))]), devices.Container!);
        return Plan(spec, devices.IommuFd!, devices.Ioas!, [.. devices.Devices.Select(d => new PlannedDevice(d))]);
    }

    /// <summary>Plans on a kernel without iommufd, for devices whose groups joined <paramref name="container"/> (type1 set):
    /// Shadow into the container when it maps every guest IOVA range with small enough pages, else Refused; never
    /// Nested (requirement <see cref="RequirementId.KernelIommufd"/>).</summary>
    public PlanReport PlanLegacy(GuestViommuSpec spec, VfioContainer container, IReadOnlyList<(string Name, int Group)> devices)
    {
        RequireRegistered(spec);
        return LegacyPlanning.Decide(spec, container.GetInfo(), devices, IommufdSupport.Missing());
    }

    internal void RequireRegistered(GuestViommuSpec spec)
    {
        if (!Models.Any(m => m.GetType() == spec.Model.GetType()))
            throw new ArgumentException($"the spec's model {spec.Model.Name} is not one of this planner's models ({string.Join(", ", Models.Select(m => m.Name))})", nameof(spec));
    }

    /// <summary>The finding when the registers promised nesting but the kernel refused an allocation.</summary>
    internal static Requirement KernelRefusedNesting(IommuException e) =>
        Requirement.Check(Id.KernelAllocatesNested, "kernel allocates the nested page tables", false, "IOMMU_HWPT_ALLOC / IOMMU_VIOMMU_ALLOC succeed", $"{e.Operation} failed with {e.ErrnoName}");

    /// <summary>The nested objects for one device, by the spec's model.</summary>
    internal static NestedSetup AllocateNested(GuestViommuSpec spec, IommuFd iommu, Ioas ioas, PlannedDevice device) =>
        spec.Model.AllocateNested(iommu, ioas, device.DeviceId, spec);

    internal static ShadowFacts Facts(Ioas ioas)
    {
        var (ranges, alignment) = ioas.GetIovaRanges();
        return new ShadowFacts(ranges, alignment, (ulong)DmaBuffer.SystemPageSize);
    }
}
