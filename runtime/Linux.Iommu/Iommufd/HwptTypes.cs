namespace Linux.Iommu;

/// <summary>Flags of IOMMU_HWPT_ALLOC (<c>enum iommufd_hwpt_alloc_flags</c>).</summary>
[Flags]
public enum HwptAllocFlags : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>IOMMU_HWPT_ALLOC_NEST_PARENT: the page table can be the parent (stage 2) of nested ones.</summary>
    NestParent = 1,

    /// <summary>IOMMU_HWPT_ALLOC_DIRTY_TRACKING: track dirty pages (needs <see cref="HwCapabilities.DirtyTracking"/>).</summary>
    DirtyTracking = 2,

    /// <summary>IOMMU_HWPT_FAULT_ID_VALID: faults go to the given fault queue (set by the overload that takes one).</summary>
    FaultIdValid = 4,

    /// <summary>IOMMU_HWPT_ALLOC_PASID: the page table can be attached to a PASID.</summary>
    Pasid = 8,
}

/// <summary>The format of a nested page table's data (<c>enum iommu_hwpt_data_type</c>).</summary>
public enum HwptDataType : uint
{
    /// <summary>IOMMU_HWPT_DATA_NONE: a kernel-managed page table.</summary>
    None = 0,

    /// <summary>IOMMU_HWPT_DATA_VTD_S1: an Intel VT-d stage-1 table (struct iommu_hwpt_vtd_s1).</summary>
    VtdS1 = 1,

    /// <summary>IOMMU_HWPT_DATA_ARM_SMMUV3: an SMMUv3 stream table entry (struct iommu_hwpt_arm_smmuv3).</summary>
    ArmSmmuV3 = 2,

    /// <summary>IOMMU_HWPT_DATA_AMD_GUEST: an AMD guest device table entry (struct iommu_hwpt_amd_guest).</summary>
    AmdGuest = 3,
}

/// <summary>The format of cache invalidation entries (<c>enum iommu_hwpt_invalidate_data_type</c>).</summary>
public enum InvalidationDataType : uint
{
    /// <summary>IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: struct iommu_hwpt_vtd_s1_invalidate entries, on a nested HWPT.</summary>
    VtdS1 = 0,

    /// <summary>IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: struct iommu_viommu_arm_smmuv3_invalidate commands, on a vIOMMU.</summary>
    ArmSmmuV3 = 1,
}

/// <summary>The kind of a vIOMMU (<c>enum iommu_viommu_type</c>).</summary>
public enum ViommuType : uint
{
    /// <summary>IOMMU_VIOMMU_TYPE_DEFAULT: the core vIOMMU, no driver-specific data.</summary>
    Default = 0,

    /// <summary>IOMMU_VIOMMU_TYPE_ARM_SMMUV3.</summary>
    ArmSmmuV3 = 1,

    /// <summary>IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV.</summary>
    Tegra241Cmdqv = 2,
}

/// <summary>The kind of a vIOMMU event queue (<c>enum iommu_veventq_type</c>).</summary>
public enum VeventQueueType : uint
{
    /// <summary>IOMMU_VEVENTQ_TYPE_DEFAULT.</summary>
    Default = 0,

    /// <summary>IOMMU_VEVENTQ_TYPE_ARM_SMMUV3: struct iommu_vevent_arm_smmuv3 events.</summary>
    ArmSmmuV3 = 1,

    /// <summary>IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV: struct iommu_vevent_tegra241_cmdqv events.</summary>
    Tegra241Cmdqv = 2,
}
