namespace Linux.Iommu;

/// <summary>Which IOMMU's data IOMMU_GET_HW_INFO returned (<c>enum iommu_hw_info_type</c>). A value not named here
/// (a newer kernel's, the selftest mock's 0xfeedbeef) is kept as its number.</summary>
public enum HwInfoType : uint
{
    /// <summary>IOMMU_HW_INFO_TYPE_NONE: the driver reports no data.</summary>
    None = 0,

    /// <summary>IOMMU_HW_INFO_TYPE_INTEL_VTD.</summary>
    IntelVtd = 1,

    /// <summary>IOMMU_HW_INFO_TYPE_ARM_SMMUV3.</summary>
    ArmSmmuV3 = 2,

    /// <summary>IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV (an SMMUv3 with NVIDIA's command-queue virtualization).</summary>
    Tegra241Cmdqv = 3,

    /// <summary>IOMMU_HW_INFO_TYPE_AMD.</summary>
    Amd = 4,
}

/// <summary>IOMMU_GET_HW_INFO's generic capabilities (<c>enum iommufd_hw_capabilities</c>).</summary>
[Flags]
public enum HwCapabilities : uint
{
    /// <summary>None reported.</summary>
    None = 0,

    /// <summary>IOMMU_HW_CAP_DIRTY_TRACKING: the IOMMU tracks dirty pages (IOMMU_HWPT_ALLOC_DIRTY_TRACKING).</summary>
    DirtyTracking = 1,

    /// <summary>IOMMU_HW_CAP_PCI_PASID_EXEC: the device's PASID capability allows execute requests.</summary>
    PciPasidExec = 2,

    /// <summary>IOMMU_HW_CAP_PCI_PASID_PRIV: the device's PASID capability allows privileged-mode requests.</summary>
    PciPasidPriv = 4,

    /// <summary>IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED: ATS is not usable for the device.</summary>
    PciAtsNotSupported = 8,
}

/// <summary>Flags of the VT-d hw_info (<c>enum iommu_hw_info_vtd_flags</c>).</summary>
[Flags]
public enum VtdFlags : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17: the guest must not use the first stage for read-only mappings.</summary>
    Errata772415Spr17 = 1,
}

/// <summary>Flags of the SMMUv3 hw_info (<c>enum iommu_hw_info_arm_smmuv3_flags</c>).</summary>
[Flags]
public enum SmmuV3Flags : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI: TLBI and CFGI commands must be issued twice.</summary>
    ErrataRepeatTlbiCfgi = 1,
}
