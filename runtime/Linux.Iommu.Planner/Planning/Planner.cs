using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>A device of the VM as the planner sees it: its iommufd device id, and how to attach it to a page table
/// (an IOAS or HWPT id) or detach it. Bound to the iommufd, and attached to the plan's IOAS before planning.</summary>
public sealed class PlannedDevice
{
    private readonly Func<uint, uint> _attach;
    private readonly Action _detach;

    /// <summary>A device with its own attach and detach (the selftest mock attaches by IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE).</summary>
    public PlannedDevice(string name, uint deviceId, Func<uint, uint> attach, Action detach)
    {
        Name = name;
        DeviceId = deviceId;
        _attach = attach;
        _detach = detach;
    }

    /// <summary>A VFIO device, bound with <see cref="VfioDevice.BindIommufd"/>; <paramref name="iommuGroup"/> is its
    /// /sys/bus/pci/devices/…/iommu_group, which tells devices behind one bridge apart from the rest.</summary>
    public PlannedDevice(string name, VfioDevice device, int? iommuGroup = null)
        : this(name, device.DeviceId ?? throw new InvalidOperationException($"device {name} is not bound to an iommufd (VfioDevice.BindIommufd)"),
            device.Attach, device.Detach)
    {
        IommuGroup = iommuGroup;
    }

    /// <summary>The device's IOMMU group, when known: devices of one group share a page table.</summary>
    public int? IommuGroup { get; init; }

    /// <summary>A name for reports.</summary>
    public string Name { get; }

    /// <summary>The iommufd device id.</summary>
    public uint DeviceId { get; }

    /// <summary>Attaches to an IOAS or HWPT; returns the HWPT in use.</summary>
    public uint Attach(uint pageTableId) => _attach(pageTableId);

    /// <summary>Detaches.</summary>
    public void Detach() => _detach();
}

/// <summary>The seed's two-stage fallback, after the devices are attached: (1) the exact vIOMMU in hardware (nested),
/// (2) else a kernel-managed IOAS that maps every guest IOVA range with pages no larger than the guest's (shadow),
/// (3) else refuse. No negotiation: the spec is never changed.</summary>
public sealed class Planner
{
    private readonly Dictionary<GuestIommuModel, NestedAllocator> _allocators = new()
    {
        [GuestIommuModel.IntelVtd] = NestedAllocators.IntelVtd,
        [GuestIommuModel.ArmSmmuV3] = NestedAllocators.ArmSmmuV3,
        [GuestIommuModel.AmdVi] = NestedAllocators.AmdVi,
    };

    /// <summary>Sets how nested objects are allocated for a model (the selftest mock's comes from the test library).</summary>
    public Planner WithNestedAllocator(GuestIommuModel model, NestedAllocator allocator)
    {
        _allocators[model] = allocator;
        return this;
    }

    /// <summary>Decides from facts alone (the decision tests use recorded hw_info): no kernel call.</summary>
    public static PlanReport Decide(GuestViommuSpec spec, IReadOnlyList<(string Name, HwInfo HostIommu)> devices, ShadowFacts ioas,
        IReadOnlyList<Requirement>? kernelFindings = null, IReadOnlyList<Requirement>? topology = null)
    {
        topology ??= [];
        var planRequirements = new List<Requirement>();
        if (devices.Count > 1)
        {
            // The seed: devices behind IOMMUs with different page-table formats cannot share one guest page table.
            var distinct = devices.Select(d => d.HostIommu).Distinct().Count();
            planRequirements.Add(Requirement.Check("one host IOMMU for all devices", distinct == 1, "identical IOMMU_GET_HW_INFO", $"{distinct} different IOMMUs"));
        }
        planRequirements.AddRange(kernelFindings ?? []);
        var shadow = ShadowRequirements.For(spec, ioas);
        var assessments = devices.Select(d => new DeviceAssessment(d.Name, d.HostIommu, NestedRequirements.For(spec, d.HostIommu), shadow)).ToList();
        var decision = topology.Any(r => !r.Met) ? PlanDecision.Refused
            : assessments.Count > 0 && assessments.All(a => a.NestedOk) && planRequirements.All(r => r.Met) ? PlanDecision.Nested
            : assessments.All(a => a.ShadowOk) ? PlanDecision.Shadow
            : PlanDecision.Refused;
        return new PlanReport(decision, spec, assessments, planRequirements, topology);
    }

    /// <summary>Devices of one IOMMU group share a requester ID (behind a PCIe-to-PCI bridge): no IOMMU tells them apart,
    /// so they get one page table — or the VM is refused, as the spec says.</summary>
    public static List<Requirement> Topology(GuestViommuSpec spec, IEnumerable<(string Name, int? Group)> devices) =>
        devices.Where(d => d.Group is not null).GroupBy(d => d.Group!.Value).Where(g => g.Count() > 1).OrderBy(g => g.Key)
            .Select(g => Requirement.Check($"devices of IOMMU group {g.Key} (behind one bridge)", spec.BridgedDevices == BridgedDevices.SharePageTable,
                spec.BridgedDevices == BridgedDevices.SharePageTable ? "one shared page table" : "no shared requester IDs (bridgedDevices: refuse)",
                string.Join(", ", g.Select(d => d.Name)) + " share one requester ID"))
            .ToList();

    /// <summary>Plans for devices already bound and attached to <paramref name="ioas"/>. For Nested it allocates the
    /// nested objects and moves each device onto its nest parent; a kernel refusal falls back to the next stage.</summary>
    public RunningPlan Plan(GuestViommuSpec spec, IommuFd iommu, Ioas ioas, IReadOnlyList<PlannedDevice> devices)
    {
        var facts = devices.Select(d => (d.Name, iommu.GetHwInfo(d.DeviceId))).ToList();
        var ioasFacts = Facts(ioas);
        var topology = Topology(spec, devices.Select(d => (d.Name, d.IommuGroup)));
        var report = Decide(spec, facts, ioasFacts, topology: topology);
        if (report.Decision != PlanDecision.Nested)
        {
            return new RunningPlan(this, report, iommu, ioas, devices, []);
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
            return new RunningPlan(this, report, iommu, ioas, devices, setups);
        }
        catch (IommuException e)
        {
            // The registers promised nesting but the kernel refused: say so, and take the next stage.
            foreach (var device in devices) device.Attach(ioas.Id);
            foreach (var setup in setups.Distinct()) setup.Dispose();
            return new RunningPlan(this, Decide(spec, facts, ioasFacts, [KernelRefusedNesting(e)], topology), iommu, ioas, devices, []);
        }
    }

    /// <summary>The finding when the registers promised nesting but the kernel refused an allocation.</summary>
    internal static Requirement KernelRefusedNesting(IommuException e) =>
        Requirement.Check("kernel allocates the nested page tables", false, "IOMMU_HWPT_ALLOC / IOMMU_VIOMMU_ALLOC succeed", $"{e.Operation} failed with {e.ErrnoName}");

    internal NestedSetup AllocateNested(GuestViommuSpec spec, IommuFd iommu, Ioas ioas, PlannedDevice device) =>
        _allocators.TryGetValue(spec.Model, out var allocate)
            ? allocate(iommu, ioas, device.DeviceId, spec)
            : throw new IommuException(nameof(Ioctls.IOMMU_HWPT_ALLOC), Errno.EOPNOTSUPP, $"no nested allocator for {spec.Model}");

    internal static ShadowFacts Facts(Ioas ioas)
    {
        var (ranges, alignment) = ioas.GetIovaRanges();
        return new ShadowFacts(ranges, alignment, (ulong)DmaBuffer.SystemPageSize);
    }
}
