using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>A kernel object that delivers records through a file descriptor: a fault queue (IOMMU_FAULT_QUEUE_ALLOC: I/O
/// page faults of HWPTs allocated with its id, read as struct iommu_hwpt_pgfault, answered with struct
/// iommu_hwpt_page_response) or a vIOMMU event queue (IOMMU_VEVENTQ_ALLOC). The runtime hands out the descriptor;
/// the record formats are the generated structs.</summary>
public sealed class EventQueue : IommuObject
{
    internal EventQueue(IommuFd iommu, uint id, int fd) : base(iommu, id) => Events = new SafeFileHandle(fd, ownsHandle: true);

    private protected override void ReleaseBeforeDestroy() => Events.Dispose();

    /// <summary>The descriptor to read records from (and, for a fault queue, write responses to).</summary>
    public SafeFileHandle Events { get; }

    /// <summary>Allocates a fault queue: pass its <see cref="IommuObject.Id"/> as fault_id (with IOMMU_HWPT_FAULT_ID_VALID) to
    /// IOMMU_HWPT_ALLOC for HWPTs whose faults user space handles.</summary>
    public static EventQueue AllocateFaultQueue(IommuFd iommu)
    {
        var alloc = iommu_fault_alloc.Create();
        using (var fd = iommu.Lease()) Ioctls.IOMMU_FAULT_QUEUE_ALLOC(fd.Fd, ref alloc);
        return new EventQueue(iommu, alloc.out_fault_id, (int)alloc.out_fault_fd);
    }

    /// <summary>Allocates a vIOMMU event queue of <paramref name="type"/> with room for <paramref name="depth"/> events.</summary>
    public static EventQueue AllocateVeventQueue(Viommu viommu, iommu_veventq_type type, uint depth)
    {
        var alloc = iommu_veventq_alloc.Create();
        alloc.viommu_id = viommu.Id;
        alloc.type = (uint)type;
        alloc.veventq_depth = depth;
        try
        {
            using var fd = viommu.Iommu.Lease();
            Ioctls.IOMMU_VEVENTQ_ALLOC(fd.Fd, ref alloc);
        }
        catch (IommuException e) when (viommu.Iommu.MissingFeature(e, nameof(Requests.IOMMU_VEVENTQ_ALLOC)) is { } missing)
        {
            throw missing;
        }
        return new EventQueue(viommu.Iommu, alloc.out_veventq_id, (int)alloc.out_veventq_fd);
    }
}
