using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Linux.Iommu.Bench.Harness;

/// <summary>What a suite is made of, read from its attributes as BenchmarkDotNet reads them: its [Benchmark] methods
/// and every combination of its [Params] (or [ParamsSource]) properties' values.</summary>
public static class SuiteCases
{
    public static IReadOnlyList<MethodInfo> Benchmarks(Type suite) =>
        suite.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToList();

    public static IReadOnlyList<PropertyInfo> Parameters(Type suite) =>
        suite.GetProperties().Where(p => p.GetCustomAttribute<ParamsAttribute>() is not null || p.GetCustomAttribute<ParamsSourceAttribute>() is not null).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>The values a [Params] property takes, or those its [ParamsSource] (a static member of the suite) gives.</summary>
    public static object?[] Values(PropertyInfo parameter) => parameter.GetCustomAttribute<ParamsAttribute>() is { } values ? values.Values
        : ((System.Collections.IEnumerable)parameter.DeclaringType!.GetProperty(parameter.GetCustomAttribute<ParamsSourceAttribute>()!.Name, BindingFlags.Public | BindingFlags.Static)!
            .GetValue(null)!).Cast<object?>().ToArray();

    /// <summary>Every combination of the [Params] values (one empty combination when there are none).</summary>
    public static IEnumerable<List<(PropertyInfo Property, object? Value)>> Combinations(Type suite)
    {
        IEnumerable<List<(PropertyInfo, object?)>> result = [[]];
        foreach (var property in Parameters(suite))
        {
            result = result.SelectMany(c => Values(property).Select(v => new List<(PropertyInfo, object?)>(c) { (property, v) })).ToList();
        }
        return result;
    }

    /// <summary>A suite instance with one combination set (no setup run).</summary>
    public static object Instance(Type suite, IEnumerable<(PropertyInfo Property, object? Value)> combination)
    {
        var instance = Activator.CreateInstance(suite)!;
        foreach (var (property, value) in combination) property.SetValue(instance, value);
        return instance;
    }
}
