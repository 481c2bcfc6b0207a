using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan --spec FILE</c>: attaches the VM's devices to a kernel-managed IOAS and prints the decision
/// with every reason. Exit 0 for Nested or Shadow, 3 for Refused (the VM must not start).</summary>
internal static class PlanCommand
{
    public static int Run(FileInfo? specFile, bool hostPassthrough, string[]? named)
    {
        var paths = HostDevices.Resolve(named);
        var spec = hostPassthrough ? Derive(paths[0]) : SpecLoader.Load(specFile!.FullName); // validated before any device is touched
        using var session = PlanSession.Open(spec, paths);
        Console.WriteLine($"== plan {(hostPassthrough ? "--host-passthrough (derived from the host: not migratable)" : specFile!.Name)}");
        Console.Write(session.Plan.Report.Describe());
        return session.Plan.Decision == PlanDecision.Refused ? 3 : 0;
    }

    /// <summary>The spec this host's IOMMU offers as is, read through the first device.</summary>
    private static GuestViommuSpec Derive(string device)
    {
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var vfio = VfioDevice.Open(device);
        var id = vfio.BindIommufd(iommu);
        vfio.Attach(ioas.Id);
        var (ranges, alignment) = ioas.GetIovaRanges();
        return HostPassthrough.Derive(iommu.GetHwInfo(id), new ShadowFacts(ranges, alignment, (ulong)DmaBuffer.SystemPageSize));
    }
}

/// <summary>The VM's devices bound to one iommufd and attached to one IOAS, and the plan made for them.</summary>
internal sealed class PlanSession : IDisposable
{
    private readonly List<VfioDevice> _devices = [];

    private PlanSession(IommuFd iommu, Ioas ioas)
    {
        Iommu = iommu;
        Ioas = ioas;
    }

    public IommuFd Iommu { get; }
    public Ioas Ioas { get; }
    public RunningPlan Plan { get; private set; } = null!;
    public IReadOnlyList<VfioDevice> Devices => _devices;

    public static PlanSession Open(GuestViommuSpec spec, string[] paths, global::Linux.Iommu.Planner.Planner? planner = null)
    {
        var iommu = IommuFd.Open();
        var session = new PlanSession(iommu, iommu.AllocIoas());
        try
        {
            var planned = new List<PlannedDevice>();
            foreach (var path in paths)
            {
                var device = VfioDevice.Open(path);
                session._devices.Add(device);
                device.BindIommufd(iommu);
                device.Attach(session.Ioas.Id);
                planned.Add(new PlannedDevice(HostDevices.Describe(path), device, VfioDevice.IommuGroupOf(path)));
            }
            session.Plan = (planner ?? new global::Linux.Iommu.Planner.Planner()).Plan(spec, iommu, session.Ioas, planned);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Plan?.Dispose();
        foreach (var device in _devices) device.Dispose();
        Ioas.Dispose();
        Iommu.Dispose();
    }
}
