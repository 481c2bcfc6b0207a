using Linux.Iommu.Native;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>What nesting needs from the running kernel itself, beyond the IOMMU's registers: the iommufd ioctls the
/// nested allocation of the guest's model calls, from the probe (<see cref="IommuFd.Features"/>). A kernel that lacks
/// one (6.12 has no IOMMU_VIOMMU_ALLOC) fails the Nested branch by its requirement id before anything is allocated.</summary>
internal static class KernelRequirements
{
    /// <summary>On the live host: from the probe.</summary>
    public static List<Requirement> For(GuestViommuSpec spec, KernelFeatures kernel) => For(spec, kernel.Supports, kernel.KernelRelease);

    /// <summary>Against a recorded host: from the features its kernel was probed to lack.</summary>
    public static List<Requirement> For(GuestViommuSpec spec, RecordedHost host) => For(spec, name => !host.KernelLacks.Contains(name), host.Kernel);

    private static List<Requirement> For(GuestViommuSpec spec, Func<string, bool> supports, string kernel)
    {
        var result = new List<Requirement>();
        // SMMUv3 nesting hangs the nested HWPT off a vIOMMU object (NestedAllocators.ArmSmmuV3); VT-d and AMD do not.
        if (spec.Model == GuestIommuModel.ArmSmmuV3) result.Add(Ioctl(Id.KernelViommuAlloc, nameof(Requests.IOMMU_VIOMMU_ALLOC), supports(nameof(Requests.IOMMU_VIOMMU_ALLOC)), kernel));
        return result;
    }

    private static Requirement Ioctl(string id, string ioctl, bool present, string kernel)
    {
        var evidence = KernelAvailability.Evidence(ioctl);
        return Requirement.Check(id, $"kernel has {ioctl}", present, ioctl,
            present ? "present" : $"missing from kernel {kernel} (probed{(evidence is null ? "" : $"; {evidence}")})");
    }
}
