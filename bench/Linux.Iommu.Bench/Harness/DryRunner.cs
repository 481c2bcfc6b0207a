using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Linux.Iommu.Bench.Harness;

/// <summary>One invocation of every benchmark of a suite for every parameter combination, with its global setup and
/// cleanup, and no measurement: proves the suites still compile and run (the tests' dry mode). Throws on the first
/// failure, naming the case. With <c>measured</c> &gt; 0 it then runs each case that many more times and reports
/// the bytes the benchmark's own thread allocated per call: MemoryDiagnoser counts every thread of the process, so
/// for a call that takes milliseconds a few KB allocated elsewhere per iteration shows up as bytes "per op".</summary>
public static class DryRunner
{
    public static IReadOnlyList<string> Run(Type suite) => Run(suite, 0).Select(r => r.Key).ToList();

    /// <summary>The keys of the cases <see cref="Run(Type)"/> runs, without running them: the host tests compare them
    /// with BenchmarkDotNet's cases for the guest suites too, which only the VM tier can run.</summary>
    public static IEnumerable<string> Keys(Type suite) =>
        SuiteCases.Combinations(suite).Select(combination => SuiteCases.Instance(suite, combination))
            .SelectMany(instance => SuiteCases.Benchmarks(suite).Select(benchmark => CaseKey.Of(instance, benchmark.Name).Text));

    public static IReadOnlyList<(string Key, double ThreadBytesPerCall)> Run(Type suite, int measured)
    {
        var ran = new List<(string, double)>();
        var benchmarks = SuiteCases.Benchmarks(suite);
        var setup = suite.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null).ToList();
        var cleanup = suite.GetMethods().Where(m => m.GetCustomAttribute<GlobalCleanupAttribute>() is not null).ToList();
        foreach (var combination in SuiteCases.Combinations(suite))
        {
            var instance = SuiteCases.Instance(suite, combination);
            try
            {
                foreach (var method in setup) method.Invoke(instance, null);
                foreach (var benchmark in benchmarks)
                {
                    var key = CaseKey.Of(instance, benchmark.Name).Text;
                    try
                    {
                        benchmark.Invoke(instance, null);
                        ran.Add((key, measured == 0 ? double.NaN : ThreadBytesPerCall(benchmark, instance, measured)));
                    }
                    catch (TargetInvocationException e)
                    {
                        throw new InvalidOperationException($"dry run of {key} failed: {e.InnerException!.Message}", e.InnerException);
                    }
                }
            }
            finally
            {
                foreach (var method in cleanup) method.Invoke(instance, null);
            }
        }
        return ran;
    }

    /// <summary>Calls through a delegate of the method's own signature: reflection's Invoke would allocate by itself.</summary>
    private static double ThreadBytesPerCall(MethodInfo benchmark, object instance, int calls)
    {
        if (benchmark.ReturnType == typeof(void)) return Loop(benchmark.CreateDelegate<Action>(instance), calls);
        var loop = typeof(DryRunner).GetMethod(nameof(LoopOf), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(benchmark.ReturnType);
        return (double)loop.Invoke(null, [benchmark.CreateDelegate(typeof(Func<>).MakeGenericType(benchmark.ReturnType), instance), calls])!;
    }

    private static double Loop(Action call, int calls)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++) call();
        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    private static double LoopOf<T>(Func<T> call, int calls)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++) call();
        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }
}
