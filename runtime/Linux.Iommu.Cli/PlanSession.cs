using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

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

    public static PlanSession Open(ViommuPlanner planner, GuestViommuSpec spec, string[] paths)
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
            session.Plan = planner.Plan(spec, iommu, session.Ioas, planned);
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
