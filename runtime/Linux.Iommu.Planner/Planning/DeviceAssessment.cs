namespace Linux.Iommu.Planner;

/// <summary>What was checked for one device.</summary>
public sealed record DeviceAssessment(string Device, HwInfo? HostIommu, IReadOnlyList<Requirement> Nested, IReadOnlyList<Requirement> Shadow)
{
    /// <summary>Every nested requirement met.</summary>
    public bool NestedOk => Nested.Count > 0 && Nested.All(r => r.Met);

    /// <summary>Every shadow requirement met.</summary>
    public bool ShadowOk => Shadow.All(r => r.Met);
}
