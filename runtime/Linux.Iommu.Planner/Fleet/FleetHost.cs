namespace Linux.Iommu.Planner;

/// <summary>One host of a <see cref="HostFleet"/>: a name for reports (its file's name without <c>.json</c>, when
/// loaded) and its record.</summary>
/// <param name="Name">How placements name the host; unique in its fleet.</param>
/// <param name="Record">What <c>iommu probe --save</c> recorded of it.</param>
public sealed record FleetHost(string Name, RecordedHost Record);
