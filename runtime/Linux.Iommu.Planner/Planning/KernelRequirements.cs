using Linux.Iommu.Planner.Native;

namespace Linux.Iommu.Planner;

/// <summary>What nesting needs from the running kernel itself, beyond the IOMMU's registers: the iommufd ioctls the
/// nested allocation of the guest's model calls (<see cref="ViommuModel.NestedKernelIoctls"/>), from the probe
/// (<see cref="IommuFd.Features"/>). A kernel that lacks one (6.12 has no IOMMU_VIOMMU_ALLOC) fails the Nested branch
/// by its requirement id before anything is allocated.</summary>
internal static class KernelRequirements
{
    /// <summary>On the live host: from the probe.</summary>
    public static List<Requirement> For(GuestViommuSpec spec, KernelFeatures kernel) => For(spec, kernel.Supports, kernel.KernelRelease);

    /// <summary>Against a recorded host: from the features its kernel was probed to lack.</summary>
    public static List<Requirement> For(GuestViommuSpec spec, RecordedKernel kernel) => For(spec, kernel.Supports, kernel.Release);

    private static List<Requirement> For(GuestViommuSpec spec, Func<string, bool> supports, string kernel) =>
        spec.Model.NestedKernelIoctls(spec).Select(n => Ioctl(n.RequirementId, n.Ioctl, supports(n.Ioctl), kernel)).ToList();

    private static Requirement Ioctl(string id, string ioctl, bool present, string kernel)
    {
        var evidence = KernelAvailability.Evidence(ioctl);
        return Requirement.Check(id, $"kernel has {ioctl}", present, ioctl,
            present ? "present" : $"missing from kernel {kernel} (probed{(evidence is null ? "" : $"; {evidence}")})");
    }
}
