using BenchmarkDotNet.Running;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The name a figure is filed under, shared with the C baselines (bench/c prints the same strings):
/// Suite/Method/Param=Value/… with parameters sorted by name, e.g. IoasMap/MapUnmap/Device=True/Size=4096.</summary>
public static class CaseKey
{
    public static string Suite(Type type) => type.Name.EndsWith("Bench", StringComparison.Ordinal) ? type.Name[..^"Bench".Length] : type.Name;

    public static string Of(Type type, string method, IEnumerable<(string Name, object? Value)> parameters) =>
        string.Join("/", new[] { Suite(type), method }.Concat(parameters.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={p.Value}")));

    public static string Of(BenchmarkCase benchmark) =>
        Of(benchmark.Descriptor.Type, benchmark.Descriptor.WorkloadMethod.Name, benchmark.Parameters.Items.Select(p => (p.Name, (object?)p.Value)));
}
