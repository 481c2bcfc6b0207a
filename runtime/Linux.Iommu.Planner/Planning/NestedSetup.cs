namespace Linux.Iommu.Planner;

/// <summary>The kernel objects that make nesting real for one device: the nest-parent HWPT on the IOAS (stage 2,
/// guest-physical → host), a vIOMMU where the driver needs one, and the nested HWPT (the guest's stage 1).</summary>
public sealed class NestedSetup(HwPagetable parent, Viommu? viommu, HwPagetable nested) : IDisposable
{
    /// <summary>Stage 2: guest-physical to host addresses, over the IOAS.</summary>
    public HwPagetable Parent { get; } = parent;

    /// <summary>The vIOMMU object (SMMUv3 nesting), or null.</summary>
    public Viommu? Viommu { get; } = viommu;

    /// <summary>Stage 1: the guest's own page tables.</summary>
    public HwPagetable Nested { get; } = nested;

    /// <summary>Destroys nested, vIOMMU, parent — in that order (each holds the next).</summary>
    public void Dispose()
    {
        Nested.Dispose();
        Viommu?.Dispose();
        Parent.Dispose();
    }
}
