using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>A guest vIOMMU model beyond the built-in VT-d, SMMUv3 and AMD-Vi, plugged into the planner: its spec name,
/// the host IOMMU type that nests it, its own nested checks, what the shadow engine can do for it and how its nested
/// objects are allocated. The planner knows none itself; a spec names one only when it is registered (the
/// <see cref="ViommuPlanner"/>'s extensions, or those given to <see cref="SpecLoader"/>). Linux.Iommu.Testing defines
/// the kernel selftest's mock IOMMU this way.</summary>
public abstract class ViommuModelExtension
{
    /// <summary>The spec's <c>model</c> value, e.g. <c>selftest-mock</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The IOMMU_GET_HW_INFO <c>out_data_type</c> of a host IOMMU that can nest this model.</summary>
    public abstract iommu_hw_info_type HostType { get; }

    /// <summary>How reports name <see cref="HostType"/>.</summary>
    public abstract string HostTypeName { get; }

    /// <summary>The model's own nested checks, beyond the host type, dirty tracking and PASID width (none by default).</summary>
    public virtual IEnumerable<Requirement> NestedRequirements(GuestViommuSpec spec, HwInfo host) => [];

    /// <summary>Whether the shadow engine can serve this guest's page tables, and what the report says the host offers.</summary>
    public abstract (bool Walkable, string Offered) ShadowTables(GuestViommuSpec spec);

    /// <summary>Allocates the nested objects for a device (the kernel's proof that nesting works).</summary>
    public abstract NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec);

    /// <summary>The spec host-passthrough derives from a host IOMMU of <see cref="HostType"/>.</summary>
    public abstract GuestViommuSpec PassThrough(HwInfo host);
}
