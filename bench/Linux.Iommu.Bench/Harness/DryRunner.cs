using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Linux.Iommu.Bench.Harness;

/// <summary>One invocation of every benchmark of a suite for every parameter combination, with its global setup and
/// cleanup, and no measurement: proves the suites still compile and run (the tests' dry mode). Throws on the first
/// failure, naming the case.</summary>
public static class DryRunner
{
    public static IReadOnlyList<string> Run(Type suite)
    {
        var ran = new List<string>();
        var benchmarks = suite.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToList();
        var setup = suite.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null).ToList();
        var cleanup = suite.GetMethods().Where(m => m.GetCustomAttribute<GlobalCleanupAttribute>() is not null).ToList();
        foreach (var combination in Combinations(suite))
        {
            var instance = Activator.CreateInstance(suite)!;
            foreach (var (property, value) in combination) property.SetValue(instance, value);
            try
            {
                foreach (var method in setup) method.Invoke(instance, null);
                foreach (var benchmark in benchmarks)
                {
                    var key = CaseKey.Of(suite, benchmark.Name, combination.Select(c => (c.Property.Name, c.Value)));
                    try
                    {
                        benchmark.Invoke(instance, null);
                    }
                    catch (TargetInvocationException e)
                    {
                        throw new InvalidOperationException($"dry run of {key} failed: {e.InnerException!.Message}", e.InnerException);
                    }
                    ran.Add(key);
                }
            }
            finally
            {
                foreach (var method in cleanup) method.Invoke(instance, null);
            }
        }
        return ran;
    }

    /// <summary>Every combination of the [Params] properties' values (one empty combination when there are none).</summary>
    private static IEnumerable<List<(PropertyInfo Property, object? Value)>> Combinations(Type suite)
    {
        IEnumerable<List<(PropertyInfo, object?)>> result = [[]];
        foreach (var property in suite.GetProperties().Where(p => p.GetCustomAttribute<ParamsAttribute>() is not null))
        {
            var values = property.GetCustomAttribute<ParamsAttribute>()!.Values;
            result = result.SelectMany(c => values.Select(v => new List<(PropertyInfo, object?)>(c) { (property, v) })).ToList();
        }
        return result;
    }
}
