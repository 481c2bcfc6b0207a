namespace Vm.Tests.FaultInjection;

/// <summary>Fail-nth sweeps run alone: the kernel log they check for splats is then theirs, and their timings too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailNthCollection
{
    public const string Name = "fail-nth";
}
