namespace Linux.Iommu.Planner;

/// <summary><see cref="PlanRules"/> for one spec that remember each answer by the fact it was asked about. Facts are
/// keyed by reference: a <see cref="HostFleet"/> gives equal facts of different hosts one instance
/// (<see cref="RecordedHostFacts"/>), and two instances that happen to be equal are merely evaluated twice.</summary>
internal sealed class MemoizedPlanRules(GuestViommuSpec spec) : PlanRules
{
    private readonly Dictionary<HwInfo, IReadOnlyList<Requirement>> _nested = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ShadowFacts, IReadOnlyList<Requirement>> _shadow = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<RecordedKernel, IReadOnlyList<Requirement>> _kernel = new(ReferenceEqualityComparer.Instance);

    public override IReadOnlyList<Requirement> Nested(GuestViommuSpec asked, HwInfo host) => Remembered(_nested, asked, host, base.Nested);

    public override IReadOnlyList<Requirement> Shadow(GuestViommuSpec asked, ShadowFacts ioas) => Remembered(_shadow, asked, ioas, base.Shadow);

    public override IReadOnlyList<Requirement> Kernel(GuestViommuSpec asked, RecordedKernel kernel) => Remembered(_kernel, asked, kernel, base.Kernel);

    private IReadOnlyList<Requirement> Remembered<TFact>(Dictionary<TFact, IReadOnlyList<Requirement>> answers, GuestViommuSpec asked, TFact fact,
        Func<GuestViommuSpec, TFact, IReadOnlyList<Requirement>> rule) where TFact : notnull
    {
        if (!ReferenceEquals(asked, spec)) throw new ArgumentException("these remembered rules are another spec's", nameof(asked));
        if (!answers.TryGetValue(fact, out var answer)) answers.Add(fact, answer = rule(spec, fact));
        return answer;
    }
}
