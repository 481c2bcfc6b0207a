namespace Vm.Tests.Runtime;

/// <summary>Tests that drive the one edu device run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EduCollection
{
    public const string Name = "edu device";
}
