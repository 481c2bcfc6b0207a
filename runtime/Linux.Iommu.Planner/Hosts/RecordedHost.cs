using System.Runtime.InteropServices;

namespace Linux.Iommu.Planner;

/// <summary>A host as the planner sees it, recorded (<c>iommu probe --save</c>) so that a spec can be planned against it
/// on any machine, without /dev/iommu: the same decision and reasons as on the host itself, except what only a kernel
/// can answer (<see cref="ViommuPlanner.Plan(GuestViommuSpec, RecordedHost)"/> lists it). File format:
/// <see cref="RecordedHostJson"/>.</summary>
/// <param name="Kernel">The kernel release it was recorded on (uname -r).</param>
/// <param name="Architecture">x86_64 or aarch64.</param>
/// <param name="HostPageSize">The host's page size in bytes.</param>
/// <param name="Devices">Each device, in the order the live plan takes them (empty for a host recorded through the type1
/// container: its devices are the <see cref="Container"/>'s).</param>
public sealed record RecordedHost(string Kernel, string Architecture, ulong HostPageSize, IReadOnlyList<RecordedDevice> Devices)
{
    /// <summary>The probed kernel features (<see cref="KernelFeatures"/> names) the recorded kernel lacks; empty for a
    /// kernel that has all this library binds (and in records made before kernels were probed).</summary>
    public IReadOnlyList<string> KernelLacks { get; init; } = [];

    /// <summary>For a host recorded through the legacy type1 container (a kernel without iommufd, such as Debian's):
    /// the container and its devices; null for an iommufd host.</summary>
    public RecordedContainer? Container { get; init; }

    /// <summary>The IOAS with every device attached, as the live plan reads it: each attached device removes its reserved
    /// regions and narrows the aperture, so the usable ranges are the intersection of each device's own, and the IOVA
    /// alignment is the largest any device needs.</summary>
    public ShadowFacts Ioas => new(
        Devices.Select(d => d.IovaRanges).Aggregate((IReadOnlyList<IovaRange>)[new IovaRange(0, ulong.MaxValue)], Intersect),
        Devices.Select(d => d.IovaAlignment).DefaultIfEmpty(HostPageSize).Max(),
        HostPageSize);

    /// <summary>Records what the planner asks about each device, bound to <paramref name="iommu"/> and attached nowhere:
    /// each is attached alone to a new IOAS for its IOVA ranges, then detached again.</summary>
    public static RecordedHost Record(IommuFd iommu, IReadOnlyList<PlannedDevice> devices) =>
        new(KernelRelease(), ThisArchitecture(), (ulong)DmaBuffer.SystemPageSize, devices.Select(d => RecordOne(iommu, d)).ToList())
        {
            KernelLacks = iommu.Features.All.Where(s => !s.Supported).Select(s => s.Name).ToList(),
        };

    /// <summary>Records the host of <paramref name="set"/> through the backend it was opened on (what <c>iommu probe
    /// --save</c> writes): per device its IOMMU and IOVA ranges on iommufd, the type1 container's facts otherwise.</summary>
    public static RecordedHost Record(VfioDeviceSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Backend == IommuBackend.Type1)
            return Record(set.Container!, [.. set.Devices.Select(d => new RecordedContainerDevice(PlannedDevice.NameOf(d), d.IommuGroup))]);
        List<PlannedDevice> devices = [.. set.Devices.Select(d => new PlannedDevice(d))];
        try
        {
            return Record(set.IommuFd!, devices);
        }
        finally
        {
            // recording attaches each device alone elsewhere: the set's devices go back to its IOAS
            foreach (var device in devices) device.Attach(set.Ioas!.Id);
        }
    }

    /// <summary>Records a host without iommufd through the type1 container its devices' groups joined.</summary>
    public static RecordedHost Record(VfioContainer container, IReadOnlyList<RecordedContainerDevice> devices) =>
        new(KernelRelease(), ThisArchitecture(), (ulong)DmaBuffer.SystemPageSize, []) { Container = RecordedContainer.Record(container, devices) };

    private static RecordedDevice RecordOne(IommuFd iommu, PlannedDevice device)
    {
        using var ioas = iommu.AllocIoas();
        device.Attach(ioas.Id);
        try
        {
            var (ranges, alignment) = ioas.GetIovaRanges();
            return new RecordedDevice(device.Name, device.IommuGroup, iommu.GetHwInfo(device.DeviceId), ranges, alignment);
        }
        finally
        {
            device.Detach();
        }
    }

    private static IReadOnlyList<IovaRange> Intersect(IReadOnlyList<IovaRange> a, IReadOnlyList<IovaRange> b) =>
        a.SelectMany(x => b.Where(y => x.Start <= y.Last && y.Start <= x.Last).Select(y => new IovaRange(Math.Max(x.Start, y.Start), Math.Min(x.Last, y.Last))))
            .OrderBy(r => r.Start).ToList();

    private static string KernelRelease() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    private static string ThisArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
