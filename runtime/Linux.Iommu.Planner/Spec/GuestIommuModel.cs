namespace Linux.Iommu.Planner;

/// <summary>The IOMMU the guest sees. Fixed by the VM's configuration; the planner never changes it.</summary>
public enum GuestIommuModel
{
    /// <summary>Intel VT-d (guest page tables in the first-stage format for nesting).</summary>
    IntelVtd,
    /// <summary>ARM SMMUv3 (guest stage-1 context descriptors for nesting).</summary>
    ArmSmmuV3,
    /// <summary>AMD-Vi (guest v2 page tables for nesting).</summary>
    AmdVi,
    /// <summary>A model a <see cref="ViommuModelExtension"/> defines (<see cref="GuestViommuSpec.Extension"/>), e.g. the
    /// kernel selftest's mock IOMMU from Linux.Iommu.Testing.</summary>
    Extension,
}
