namespace Linux.Iommu.Planner;

/// <summary>How a migration check compares the destination with what the guest saw on the source. The guest keeps the
/// vIOMMU it was shown at start, so every rule is the planner's own check of the destination against that guest's value;
/// the rule says which kind of value it is.</summary>
public enum MigrationRule
{
    /// <summary>The guest sees the host's format (page-table format, stream-table levels, granules, the IOMMU family): the
    /// destination must offer exactly what the guest uses.</summary>
    Exact,
    /// <summary>The guest sees a limit (address widths, SID/SSID sizes, PASID width, OAS, guest page-table levels): the
    /// destination must offer at least the guest's value.</summary>
    AtLeast,
    /// <summary>The destination's value must not exceed the guest's (the IOAS's page size against the guest's smallest page).</summary>
    AtMost,
    /// <summary>The destination's IOVA space must contain the guest's range.</summary>
    Covers,
    /// <summary>A capability or kernel feature the mode needs must be present on the destination.</summary>
    Feature,
    /// <summary>A device of the VM must be on the destination.</summary>
    Present,
    /// <summary>A property of the guest's vIOMMU alone (its stage, caching mode, the shadow engine's walker): the same on
    /// every host, since the guest does not change.</summary>
    Guest,
    /// <summary>Reported, never deciding (an erratum the VMM must work around).</summary>
    Reported,
    /// <summary>A plug-in model's own requirement: checked as the model checks it.</summary>
    Model,
}
