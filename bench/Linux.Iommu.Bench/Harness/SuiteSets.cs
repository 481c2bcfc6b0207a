using Linux.Iommu.Bench.Suites;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Which suites run where: the host has no iommufd, so everything touching /dev/iommu or VFIO runs in the guest.</summary>
public static class SuiteSets
{
    public static readonly Type[] Host = [typeof(StubBench), typeof(GeneratorBench), typeof(ShadowWalkBench), typeof(FleetPlacementBench)];

    public static readonly Type[] Guest = [typeof(IoasMapBench), typeof(IoasSessionBench), typeof(BatchBench), typeof(Type1Bench), typeof(Type1BatchBench), typeof(DirtyBitmapBench), typeof(ShadowBench)];

    /// <summary>What a kernel without iommufd (Debian's own images: the VFIO type1 container only) runs of the guest set.</summary>
    public static readonly Type[] Type1 = [typeof(Type1Bench), typeof(Type1BatchBench), typeof(DirtyBitmapBench)];

    /// <summary>The nested-vIOMMU runtime on the selftest mock (x86 guest only): bench/nested-bench.sh runs it alone.</summary>
    public static readonly Type[] Nested = [typeof(NestedInvalidateBench), typeof(VeventReadBench)];

    public static readonly Type[] All = [.. Host, .. Guest, .. Nested];

    public static Type[] Named(string set) => set switch
    {
        "host" => Host,
        "vm" => Guest,
        "nested" => Nested,
        "type1" => Type1,
        _ => throw new ArgumentException($"unknown suite set '{set}' (host, vm, type1 or nested)"),
    };
}
