namespace Linux.Iommu.Planner;

/// <summary>How the guest's vIOMMU is backed.</summary>
public enum PlanDecision
{
    /// <summary>The host IOMMU walks the guest's page tables (nest-parent + nested HWPTs).</summary>
    Nested,
    /// <summary>A kernel-managed IOAS mirrors the guest's page tables (the shadow engine).</summary>
    Shadow,
    /// <summary>Neither: the VM must not start (or the hot-plug is refused).</summary>
    Refused,
}
