namespace Linux.Iommu.Planner;

/// <summary>Where <see cref="ViommuPlanner"/> takes each group of requirements from when it decides: the rules
/// themselves (<see cref="Direct"/>), or the same rules remembered per fact for one spec (<see cref="MemoizedPlanRules"/>),
/// so that a fleet whose hosts share an IOMMU, an IOAS or a kernel evaluates each rule once per spec and fact. Every
/// rule is a pure function of the spec and the fact it is given, which is what makes remembering it sound.</summary>
internal class PlanRules
{
    /// <summary>The rules evaluated on every call.</summary>
    public static readonly PlanRules Direct = new();

    /// <summary>Can the host IOMMU behind a device nest the guest's tables (<see cref="NestedRequirements"/>)?</summary>
    public virtual IReadOnlyList<Requirement> Nested(GuestViommuSpec spec, HwInfo host) => NestedRequirements.For(spec, host);

    /// <summary>Can the IOAS the devices share shadow the guest (<see cref="ShadowRequirements"/>)?</summary>
    public virtual IReadOnlyList<Requirement> Shadow(GuestViommuSpec spec, ShadowFacts ioas) => ShadowRequirements.For(spec, ioas);

    /// <summary>Has a recorded kernel the ioctls nesting needs (<see cref="KernelRequirements"/>)?</summary>
    public virtual IReadOnlyList<Requirement> Kernel(GuestViommuSpec spec, RecordedKernel kernel) => KernelRequirements.For(spec, kernel);
}
