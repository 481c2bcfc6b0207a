namespace Linux.Iommu;

/// <summary>The IOMMU models a VFIO container offers (the VFIO_*_IOMMU values of VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU).</summary>
public enum VfioIommuType
{
    /// <summary>VFIO_TYPE1_IOMMU: the original type1 (no unmap of part of a mapping).</summary>
    Type1 = 1,

    /// <summary>VFIO_SPAPR_TCE_IOMMU: PowerPC's TCE tables.</summary>
    SpaprTce = 2,

    /// <summary>VFIO_TYPE1v2_IOMMU: type1 with the semantics every x86 and arm64 user wants.</summary>
    Type1v2 = 3,

    /// <summary>VFIO_SPAPR_TCE_v2_IOMMU.</summary>
    SpaprTceV2 = 7,

    /// <summary>VFIO_NOIOMMU_IOMMU: no IOMMU at all (unsafe mode, CONFIG_VFIO_NOIOMMU).</summary>
    NoIommu = 8,
}
