using Linux.Iommu.Bench.Suites;

namespace Linux.Iommu.Bench.Harness;

/// <summary>Which suites run where: the host has no iommufd, so everything touching /dev/iommu or VFIO runs in the guest.</summary>
public static class SuiteSets
{
    public static readonly Type[] Host = [typeof(StubBench), typeof(GeneratorBench)];

    public static readonly Type[] Guest = [typeof(IoasMapBench), typeof(IoasSessionBench), typeof(BatchBench), typeof(Type1Bench), typeof(ShadowBench)];

    public static readonly Type[] All = [.. Host, .. Guest];

    public static Type[] Named(string set) => set switch
    {
        "host" => Host,
        "vm" => Guest,
        _ => throw new ArgumentException($"unknown suite set '{set}' (host or vm)"),
    };
}
