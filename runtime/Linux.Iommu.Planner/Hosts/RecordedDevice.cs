namespace Linux.Iommu.Planner;

/// <summary>One device of a <see cref="RecordedHost"/>: what the planner asks the kernel about it, as recorded.</summary>
/// <param name="Name">The name reports use (for a VFIO device: its cdev and PCI address).</param>
/// <param name="IommuGroup">Its IOMMU group, when known (devices of one group share a page table).</param>
/// <param name="HwInfo">IOMMU_GET_HW_INFO for the device: type, raw data, capabilities, PASID width.</param>
/// <param name="IovaRanges">IOMMU_IOAS_IOVA_RANGES of an IOAS with only this device attached.</param>
/// <param name="IovaAlignment">The IOVA alignment that IOAS reported.</param>
public sealed record RecordedDevice(string Name, int? IommuGroup, HwInfo HwInfo, IReadOnlyList<IovaRange> IovaRanges, ulong IovaAlignment);
