namespace Linux.Iommu.Cli;

/// <summary>The tool's check before it touches /dev/iommu: what this host lacks (the runtime's diagnosis), and how to
/// plan without the hardware.</summary>
internal static class IommufdRequired
{
    public static void Check()
    {
        if (IommufdSupport.Available) return;
        throw new InvalidOperationException(IommufdSupport.Diagnose() +
            "\n  Without the hardware: `iommu plan --spec FILE --host HOST.json` plans against a host recorded with `iommu probe --save HOST.json`.");
    }
}
