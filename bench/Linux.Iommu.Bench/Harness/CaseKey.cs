using BenchmarkDotNet.Running;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The name a figure is filed under, shared with the C baselines (bench/c prints the same strings):
/// Suite/Method/Param=Value/… with parameters sorted by name, e.g. IoasMap/MapUnmap/Device=True/Size=4096.
/// Built only here — from a suite instance's current [Params] values (the suites, the dry runner, the report, all
/// with typed properties and <c>nameof</c>), or parsed from a result file — and always a case the suites have: a key
/// that names no case is an error where it is made, never an "n/a" in the report.</summary>
public readonly record struct CaseKey
{
    private static readonly Lazy<HashSet<string>> Known = new(() =>
        SuiteSets.All.SelectMany(suite => SuiteCases.Combinations(suite).SelectMany(combination =>
        {
            var instance = SuiteCases.Instance(suite, combination);
            return SuiteCases.Benchmarks(suite).Select(method => Format(instance, method.Name));
        })).ToHashSet(StringComparer.Ordinal));

    private CaseKey(string text) => Text = text;

    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>A probe's key: this case, then what was counted or compared ("map-ioctls", "vs-single/interleaved-ratio").</summary>
    public string Measure(string name) => $"{Text}/{name}";

    public static string Suite(Type type) => type.Name.EndsWith("Bench", StringComparison.Ordinal) ? type.Name[..^"Bench".Length] : type.Name;

    /// <summary>The case of <paramref name="method"/> (a [Benchmark] of the suite) at the suite's current [Params] values,
    /// e.g. <c>CaseKey.Of(new IoasMapBench { Device = true, Size = 4096 }, nameof(IoasMapBench.MapUnmap))</c>.</summary>
    public static CaseKey Of(object suite, string method)
    {
        var text = Format(suite, method);
        return Known.Value.Contains(text) ? new CaseKey(text)
            : throw new ArgumentException($"bench: '{text}' is no case of {suite.GetType().Name}: {method} must be one of its [Benchmark] methods " +
                                          $"and each parameter one of its [Params] values ({Describe(suite.GetType())})", nameof(method));
    }

    public static CaseKey Of(BenchmarkCase benchmark) =>
        Of(SuiteCases.Instance(benchmark.Descriptor.Type, benchmark.Parameters.Items.Select(p => (benchmark.Descriptor.Type.GetProperty(p.Name)!, (object?)p.Value))),
            benchmark.Descriptor.WorkloadMethod.Name);

    /// <summary>A timing line's key (C or C#); null when it names no case.</summary>
    public static CaseKey? Parse(string text) => Known.Value.Contains(text) ? new CaseKey(text) : null;

    /// <summary>A probe line's key: the longest leading case key, then the measure after its '/'; null when no case leads it.</summary>
    public static (CaseKey Case, string Measure)? ParseMeasure(string text)
    {
        for (var slash = text.LastIndexOf('/'); slash > 0; slash = text.LastIndexOf('/', slash - 1))
        {
            if (Parse(text[..slash]) is { } key) return (key, text[(slash + 1)..]);
        }
        return null;
    }

    private static string Format(object suite, string method)
    {
        var type = suite.GetType();
        return string.Join("/", new[] { Suite(type), method }.Concat(SuiteCases.Parameters(type).Select(p => $"{p.Name}={p.GetValue(suite)}")));
    }

    private static string Describe(Type suite) =>
        string.Join("; ", SuiteCases.Benchmarks(suite).Select(m => m.Name)
            .Concat(SuiteCases.Parameters(suite).Select(p => $"{p.Name} ∈ {{{string.Join(", ", SuiteCases.Values(p))}}}")));
}
