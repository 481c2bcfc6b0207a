namespace Linux.Iommu;

/// <summary>How a <see cref="VfioDeviceSet"/> reaches the IOMMU.</summary>
public enum IommuBackend
{
    /// <summary>iommufd (/dev/iommu, Linux >= 6.2) with VFIO device cdevs (/dev/vfio/devices/vfioN, Linux >= 6.6 with
    /// CONFIG_VFIO_DEVICE_CDEV): each device bound to one iommufd and attached to one IOAS.</summary>
    Iommufd,

    /// <summary>The legacy VFIO container (/dev/vfio/vfio) with the devices' groups (/dev/vfio/N) in it, type1v2 IOMMU.</summary>
    Type1,
}
