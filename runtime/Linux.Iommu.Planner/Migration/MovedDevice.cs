namespace Linux.Iommu.Planner;

/// <summary>A device of the VM as recorded on the source and found on the destination, with the IOMMU behind it on each
/// (the IOMMU_GET_HW_INFO type, or the type1 container of a host recorded without iommufd).</summary>
public sealed record MovedDevice(string Source, string Destination, string SourceIommu, string DestinationIommu);
