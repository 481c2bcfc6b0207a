using Linux.Iommu.Native;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>What nesting needs from the running kernel itself, beyond the IOMMU's registers: the iommufd ioctls the
/// nested allocation of the guest's model calls, from the probe (<see cref="IommuFd.Features"/>). A kernel that lacks
/// one (6.12 has no IOMMU_VIOMMU_ALLOC) fails the Nested branch by its requirement id before anything is allocated.</summary>
internal static class KernelRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, KernelFeatures kernel)
    {
        var result = new List<Requirement>();
        // SMMUv3 nesting hangs the nested HWPT off a vIOMMU object (NestedAllocators.ArmSmmuV3); VT-d and AMD do not.
        if (spec.Model == GuestIommuModel.ArmSmmuV3) result.Add(Ioctl(Id.KernelViommuAlloc, nameof(Requests.IOMMU_VIOMMU_ALLOC), kernel));
        return result;
    }

    private static Requirement Ioctl(string id, string ioctl, KernelFeatures kernel)
    {
        var present = kernel.Supports(ioctl);
        var evidence = KernelAvailability.Evidence(ioctl);
        return Requirement.Check(id, $"kernel has {ioctl}", present, ioctl,
            present ? "present" : $"missing from kernel {kernel.KernelRelease} (probed{(evidence is null ? "" : $"; {evidence}")})");
    }
}
