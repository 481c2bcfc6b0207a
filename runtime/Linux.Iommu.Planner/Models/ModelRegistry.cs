namespace Linux.Iommu.Planner;

/// <summary>The models a planner or spec loader knows: the built-in ones, then the plug-ins it was given.</summary>
internal static class ModelRegistry
{
    /// <summary>VT-d, SMMUv3 and AMD-Vi, each with its default fields.</summary>
    public static IReadOnlyList<ViommuModel> BuiltIn { get; } = [new IntelVtdModel(), new ArmSmmuV3Model(), new AmdViModel()];

    /// <summary>The built-ins and <paramref name="plugIns"/> (a built-in given again is taken once); two models of one
    /// name are refused, since a spec names its model.</summary>
    public static IReadOnlyList<ViommuModel> With(IEnumerable<ViommuModel>? plugIns)
    {
        var all = BuiltIn.Concat(plugIns ?? []).Distinct().ToList();
        var twice = all.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        return twice is null ? all : throw new ArgumentException($"two models are named '{twice.Key}': {string.Join(", ", twice.Select(m => m.GetType().FullName))}", nameof(plugIns));
    }
}
