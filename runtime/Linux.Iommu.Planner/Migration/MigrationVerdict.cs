namespace Linux.Iommu.Planner;

/// <summary>The answer of a migration check.</summary>
public enum MigrationVerdict
{
    /// <summary>The destination runs the VM in the same mode with the same guest-visible vIOMMU: it may move.</summary>
    CanMove,
    /// <summary>The destination cannot: the VM must not move (every reason is in the report).</summary>
    Refused,
    /// <summary>The VM cannot run on the source as given (its plan there is Refused): there is nothing to move.</summary>
    SourceRefused,
}
