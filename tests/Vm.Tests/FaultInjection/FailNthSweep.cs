using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Vm.Tests.FaultInjection;

/// <summary>iommufd_fail_nth.c's TEST_FAIL_NTH loop for one call: run it once cleanly, then for n = 1, 2, ... fail the
/// nth fault-injection point it reaches, until n is past the last one (the call ran without reaching it). Setup and
/// checks run outside the armed window; everything runs on one dedicated OS thread, the one fail-nth is armed for.</summary>
internal static class FailNthSweep
{
    /// <summary>What a sweep saw: how many injection points the call has, at how many of them it failed (the rest the
    /// kernel absorbed, e.g. by a fallback), the errnos of those failures, and the kernel log lines it produced.</summary>
    public sealed record Result(int InjectionPoints, int Failures, IReadOnlyDictionary<string, int> Errors, IReadOnlyList<string> Outcomes,
        IReadOnlyList<string> KernelLog, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{InjectionPoints} injection points, {Failures} made the call fail ({string.Join(", ", Errors.Select(e => $"{e.Key} x{e.Value}"))}), " +
            $"{KernelLog.Count} kernel log lines, {Elapsed.TotalSeconds:F1} s; n = 1.. gave: {string.Join(" ", Outcomes)}";
    }

    /// <summary>The selftest's bound (fail_nth_next: ASSERT_GT(1000, iteration)): more points than this is a runaway.</summary>
    public const int MaxPoints = 1000;

    /// <param name="arrange">Builds what the call needs (not injected).</param>
    /// <param name="act">The call under test; nothing else may run while it is armed.</param>
    /// <param name="check">Checks the state after the call: its exception, or null when it succeeded (not injected).</param>
    public static Result Run<T>(Func<T> arrange, Action<T> act, Action<T, Exception?> check) where T : IDisposable
    {
        Result? result = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = Sweep(arrange, act, check);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 16 << 20) { Name = "fail-nth sweep" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    private static Result Sweep<T>(Func<T> arrange, Action<T> act, Action<T, Exception?> check) where T : IDisposable
    {
        FailNth.EnableForAllAllocations();
        using var failNth = new FailNth();
        using var log = KernelLog.FromNow();
        var clock = Stopwatch.StartNew();

        // The clean run: proves the call works and compiles every method the armed runs use, so the JIT does not
        // allocate inside the window.
        using (var fixture = arrange())
        {
            act(fixture);
            check(fixture, null);
        }

        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = 0;
        var outcomes = new List<string>();
        for (var n = 1; ; n++)
        {
            Assert.True(n < MaxPoints, $"the call still reaches injection point {n}: raise the bound if the kernel grew that many");
            using var fixture = arrange();
            failNth.ThrowIfOtherThread();
            Exception? error = null;
            failNth.Arm(n);
            try
            {
                act(fixture);
            }
            catch (Exception e)
            {
                error = e;
            }
            var reached = failNth.Disarm();
            if (!reached)
            {
                // past the last point: this was a clean run again
                Assert.Null(error);
                check(fixture, null);
                return new Result(n - 1, failures, errors, outcomes, log.Read(), clock.Elapsed);
            }
            if (error is not null)
            {
                failures++;
                var key = error is Linux.Iommu.IommuException io ? io.ErrnoName : error.GetType().Name;
                errors[key] = errors.GetValueOrDefault(key) + 1;
            }
            outcomes.Add(error switch { null => "ok", Linux.Iommu.IommuException io => io.ErrnoName, _ => error.GetType().Name });
            check(fixture, error);
        }
    }
}
