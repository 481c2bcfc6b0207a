using System.Diagnostics;
using System.Globalization;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>What an NVMe round cost the guest's CPUs, from the guest kernel's own accounting: the CPU time of every task
/// of the guest (every thread of every process and every kernel thread: kworkers, ksoftirqd, irq threads), each its
/// scheduler's precise runtime (<c>se.sum_exec_runtime</c> in /proc/PID/task/TID/sched). The guest runs nothing but the
/// benchmark, so this is everything that does the I/O — our process and all its threads (the spinning loop, the poll
/// thread, the thread pool), and for the kernel driver the system calls, the block layer, the AIO completion and the
/// interrupts that land on a running task (the kernel has no IRQ_TIME_ACCOUNTING, so an interrupt is charged to the task
/// it interrupts). Not counted: an interrupt that lands on an idle CPU (charged to no task) and threads that exit within
/// the round — both favour the kernel driver's and the interrupt mode's figure, never the polling one.
/// /proc/stat is not used: its tick sampling undercounts bursty work under TCG (docs/benchmarks.md, "IOPS per CPU
/// second"). The process's own share is kept beside it. The C anchor (bench/c/nvme-kernel.c) reads the same files.</summary>
internal readonly record struct GuestCpu(double TasksSeconds, double ProcessSeconds, long Timestamp)
{
    /// <summary>The counters now.</summary>
    public static GuestCpu Take()
    {
        double tasks = 0, process = 0;
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var pid in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(pid);
            if (!char.IsAsciiDigit(name[0])) continue;
            var own = TasksOf(pid);
            tasks += own;
            if (name == self) process = own;
        }
        return new GuestCpu(tasks, process, Stopwatch.GetTimestamp());
    }

    /// <summary>The cost of <paramref name="operations"/> done between <paramref name="before"/> and this sample.</summary>
    public RoundCost Since(GuestCpu before, long operations)
    {
        var wall = (double)(Timestamp - before.Timestamp) / Stopwatch.Frequency;
        var busy = TasksSeconds - before.TasksSeconds;
        return new RoundCost(operations / wall, operations / busy, busy / wall, (ProcessSeconds - before.ProcessSeconds) / busy);
    }

    // The runtime of a process's live threads, in seconds; a process or thread that exits while being read counts 0.
    private static double TasksOf(string pid)
    {
        double seconds = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories(Path.Combine(pid, "task"))) seconds += RuntimeOf(Path.Combine(task, "sched"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return seconds;
    }

    private static double RuntimeOf(string schedFile)
    {
        const string Field = "se.sum_exec_runtime"; // "se.sum_exec_runtime      :   1210.919629" (ms)
        try
        {
            foreach (var line in File.ReadLines(schedFile))
            {
                if (!line.StartsWith(Field, StringComparison.Ordinal)) continue;
                return double.Parse(line.AsSpan(line.IndexOf(':') + 1), CultureInfo.InvariantCulture) / 1e3;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        throw new InvalidDataException($"{schedFile} has no {Field}: the guest kernel needs CONFIG_SCHED_DEBUG for the CPU figures");
    }
}

/// <summary>One round's figures: IOPS; IOPS per second of busy guest CPU; busy guest CPUs over the round (CPU seconds
/// per wall second, at most the guest's 2 vCPUs); the share of that busy time that was the process's own.</summary>
internal readonly record struct RoundCost(double Iops, double IopsPerCpuSecond, double BusyCpus, double ProcessShare);
