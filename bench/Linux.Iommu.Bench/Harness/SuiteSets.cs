using Linux.Iommu.Bench.Suites;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Which suites run where: the host has no iommufd, so everything touching /dev/iommu or VFIO runs in the guest.</summary>
public static class SuiteSets
{
    public static readonly Type[] Host = [typeof(StubBench), typeof(GeneratorBench), typeof(ShadowWalkBench)];

    public static readonly Type[] Guest = [typeof(IoasMapBench), typeof(IoasSessionBench), typeof(BatchBench), typeof(Type1Bench), typeof(ShadowBench)];

    /// <summary>The nested-vIOMMU runtime on the selftest mock (x86 guest only): bench/nested-bench.sh runs it alone.</summary>
    public static readonly Type[] Nested = [typeof(NestedInvalidateBench), typeof(VeventReadBench)];

    public static readonly Type[] All = [.. Host, .. Guest, .. Nested];

    public static Type[] Named(string set) => set switch
    {
        "host" => Host,
        "vm" => Guest,
        "nested" => Nested,
        _ => throw new ArgumentException($"unknown suite set '{set}' (host, vm or nested)"),
    };
}
