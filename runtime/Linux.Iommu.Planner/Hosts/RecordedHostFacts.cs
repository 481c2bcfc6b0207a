namespace Linux.Iommu.Planner;

/// <summary>What the planner reads of a <see cref="RecordedHost"/>, computed once: the devices with their IOMMUs, the
/// IOAS all of them attached together would give (<see cref="RecordedHost.Ioas"/>), the kernel, and the topology
/// requirements for each <see cref="BridgedDevices"/> policy. Made through an interner, equal IOMMUs, IOASes and kernels
/// of different hosts are one instance each, which <see cref="MemoizedPlanRules"/> keys on.</summary>
internal sealed class RecordedHostFacts
{
    private readonly List<Requirement>?[] _topology = new List<Requirement>?[Enum.GetValues<BridgedDevices>().Length];

    public RecordedHostFacts(RecordedHost host, Interner? interner = null)
    {
        interner ??= new Interner();
        Host = host;
        Devices = [.. host.Devices.Select(d => (d.Name, interner.Intern(d.HwInfo)))];
        DistinctIommus = Devices.Select(d => d.HostIommu).Distinct().Count();
        Ioas = interner.Intern(host.Container is { } container ? LegacyPlanning.Facts(container.Info, host.HostPageSize) : host.Ioas);
        Kernel = interner.Intern(new RecordedKernel(host.Kernel, host.KernelLacks));
    }

    public RecordedHost Host { get; }

    public IReadOnlyList<(string Name, HwInfo HostIommu)> Devices { get; }

    /// <summary>How many different IOMMUs the devices are behind.</summary>
    public int DistinctIommus { get; }

    /// <summary>What a Shadow plan maps into: the IOAS, or for a host recorded through the type1 container the container.</summary>
    public ShadowFacts Ioas { get; }

    public RecordedKernel Kernel { get; }

    /// <summary>The topology requirements under <paramref name="policy"/> (<see cref="ViommuPlanner.Topology(BridgedDevices, IEnumerable{ValueTuple{string, int?}})"/>).</summary>
    public IReadOnlyList<Requirement> Topology(BridgedDevices policy) =>
        _topology[(int)policy] ??= ViommuPlanner.Topology(policy, Host.Devices.Select(d => (d.Name, d.IommuGroup)));

    /// <summary>One instance per distinct IOMMU, IOAS and kernel among the hosts it made facts of.</summary>
    internal sealed class Interner
    {
        private readonly Dictionary<HwInfo, HwInfo> _iommus = [];
        private readonly Dictionary<ShadowFacts, ShadowFacts> _ioases = new(ShadowFactsByValue.Instance);
        private readonly Dictionary<RecordedKernel, RecordedKernel> _kernels = [];

        public HwInfo Intern(HwInfo iommu) => Intern(_iommus, iommu);

        public ShadowFacts Intern(ShadowFacts ioas) => Intern(_ioases, ioas);

        public RecordedKernel Intern(RecordedKernel kernel) => Intern(_kernels, kernel);

        /// <summary>How many distinct facts of each kind the hosts had.</summary>
        public (int Iommus, int Ioases, int Kernels) Distinct => (_iommus.Count, _ioases.Count, _kernels.Count);

        private static T Intern<T>(Dictionary<T, T> seen, T fact) where T : notnull
        {
            if (seen.TryGetValue(fact, out var first)) return first;
            seen.Add(fact, fact);
            return fact;
        }
    }

    /// <summary><see cref="ShadowFacts"/> compared by value (the record compares its range list by reference).</summary>
    private sealed class ShadowFactsByValue : IEqualityComparer<ShadowFacts>
    {
        public static readonly ShadowFactsByValue Instance = new();

        public bool Equals(ShadowFacts? x, ShadowFacts? y) =>
            x is not null && y is not null && x.IovaAlignment == y.IovaAlignment && x.HostPageSize == y.HostPageSize && x.IovaRanges.SequenceEqual(y.IovaRanges);

        public int GetHashCode(ShadowFacts facts) =>
            HashCode.Combine(facts.IovaAlignment, facts.HostPageSize, facts.IovaRanges.Count, facts.IovaRanges.Count == 0 ? default : facts.IovaRanges[^1]);
    }
}
