namespace Linux.Iommu.Planner;

/// <summary>The kernel of a <see cref="RecordedHost"/> as the kernel requirements read it: its release (reports name
/// it) and the probed features it lacks.</summary>
internal sealed record RecordedKernel(string Release, IReadOnlyList<string> Lacks)
{
    public bool Supports(string feature) => !Lacks.Contains(feature);

    public bool Equals(RecordedKernel? other) => other is not null && Release == other.Release && Lacks.SequenceEqual(other.Lacks);

    public override int GetHashCode() => HashCode.Combine(Release, Lacks.Count);
}
