using BenchmarkDotNet.Attributes;
using Iommu.Tests.Shared;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.Suites;

/// <summary>Placement across a fleet (<see cref="ViommuPlanner.Place"/>): 10 specs on N hosts made from the recorded
/// ones (<see cref="SyntheticFleet"/>), loading measured apart from deciding. <see cref="Load"/> parses every host's
/// record (the JSON text <c>iommu probe --save</c> writes, already in memory: no disk) and prepares the fleet;
/// <see cref="Decide"/> places the 10 specs on the prepared fleet. <see cref="DistinctEvery"/> 5 is a fleet whose hosts
/// share IOMMUs, IOASes and kernels as machines of a few kinds do; 1 gives every host an IOAS of its own, the worst
/// case for the planner's remembered rules. The curve over N, time and allocated bytes, shows whether both grow
/// linearly with the hosts; the probe adds the bytes each keeps alive per host. Target: Decide of 10,000 × 10 in ≤ 1 s
/// on one core. Host.</summary>
[MemoryDiagnoser]
public class FleetPlacementBench : IProbed
{
    /// <summary>Specs per placement.</summary>
    public const int SpecCount = 10;

    private static readonly ViommuPlanner Planner = MockPlanning.Planner();
    private IReadOnlyList<(string Name, GuestViommuSpec Spec)> _specs = [];
    private (string Name, string Json)[] _records = [];
    private HostFleet? _fleet;

    [Params(10, 100, 1000, 10000)]
    public int Hosts { get; set; } = 10;

    [Params(5, 1)]
    public int DistinctEvery { get; set; } = 5;

    [GlobalSetup]
    public void Setup()
    {
        _specs = Specs();
        _records = [.. SyntheticFleet.Make(SyntheticFleet.Recorded(), Hosts, DistinctEvery).Select(h => (h.Name, RecordedHostJson.Write(h.Record)))];
        _fleet = Load();
    }

    /// <summary>Every record parsed and validated, and the fleet's facts computed.</summary>
    [Benchmark]
    public HostFleet Load() => new(_records.Select(r => new FleetHost(r.Name, RecordedHostJson.Parse(r.Json, r.Name))));

    /// <summary>The 10 specs on every host.</summary>
    [Benchmark]
    public FleetPlacement Decide() => Planner.Place(_specs, _fleet!);

    /// <summary>The example specs, and each again asking for dirty tracking (a requirement more on nesting): 10.</summary>
    private static IReadOnlyList<(string Name, GuestViommuSpec Spec)> Specs()
    {
        var examples = Directory.GetFiles(RepositoryRoot.Combine("examples", "specs"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Spec: Planner.LoadSpec(f))).ToList();
        var specs = examples.Concat(examples.Select(e => (e.Name + "+dirty", e.Spec with { DirtyTracking = true }))).ToList();
        return specs.Count == SpecCount ? specs : throw new InvalidOperationException($"fleet bench: {specs.Count} specs from examples/specs, not {SpecCount}");
    }

    /// <summary>Bytes kept alive per host by the prepared fleet (records and facts) and by a placement (its cells),
    /// measured after full collections.</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        foreach (var hosts in new[] { 10, 100, 1000, 10000 })
        {
            foreach (var distinct in new[] { 5, 1 })
            {
                (Hosts, DistinctEvery) = (hosts, distinct);
                Setup();
                _fleet = null;
                var before = GC.GetTotalMemory(forceFullCollection: true);
                _fleet = Load();
                var loaded = GC.GetTotalMemory(forceFullCollection: true);
                var placement = Decide();
                var decided = GC.GetTotalMemory(forceFullCollection: true);
                yield return (CaseKey.Of(this, nameof(Load)).Measure("retained-bytes-per-host"), (double)(loaded - before) / hosts);
                yield return (CaseKey.Of(this, nameof(Decide)).Measure("retained-bytes-per-host"), (double)(decided - loaded) / hosts);
                GC.KeepAlive(placement);
            }
        }
    }
}
