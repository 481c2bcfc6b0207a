using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu plan --spec FILE</c>: attaches the VM's devices to a kernel-managed IOAS and prints the decision
/// with every reason. Exit 0 for Nested or Shadow, 3 for Refused (the VM must not start).</summary>
internal static class PlanCommand
{
    public static int Run(FileInfo specFile, string[]? named)
    {
        var spec = SpecLoader.Load(specFile.FullName); // validated before any device is touched
        using var session = PlanSession.Open(spec, HostDevices.Resolve(named));
        Console.WriteLine($"== plan {specFile.Name}");
        Console.Write(session.Plan.Report.Describe());
        return session.Plan.Decision == PlanDecision.Refused ? 3 : 0;
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
                planned.Add(new PlannedDevice(HostDevices.Describe(path), device));
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
