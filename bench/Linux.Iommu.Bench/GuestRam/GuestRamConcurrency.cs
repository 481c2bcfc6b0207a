using System.Diagnostics;
using System.Globalization;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>Does the kernel serialise concurrent maps? Two halves of populated 4 KiB guest RAM are mapped with edu
/// attached, one thread after the other and by two threads at once, into one IOAS (disjoint IOVA ranges) and into two
/// IOASes (each with its own edu device). Figure: time of the two maps one after the other / time of the two at once
/// (2 = perfect scaling, 1 = serialised). The guest has 2 vCPUs, emulated by TCG on a shared 2-core host.</summary>
public static class GuestRamConcurrency
{
    private const int Rounds = 3;

    /// <summary>Medians of <paramref name="work"/> one thread after the other and two at once (after a warm-up).</summary>
    private static void Emit(TextWriter output, string key, Func<bool, double> work, bool dry)
    {
        work(true); // warm-up
        var rounds = dry ? 1 : Rounds;
        var one = Enumerable.Range(0, rounds).Select(_ => work(false)).Order().ElementAt(rounds / 2);
        var two = Enumerable.Range(0, rounds).Select(_ => work(true)).Order().ElementAt(rounds / 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/one-thread-ns\t{one:F1}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/two-threads-ns\t{two:F1}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/scaling\t{one / two:F3}"));
    }

    /// <summary>Nanoseconds to run <paramref name="work"/>(0) and (1): one after the other, or on two threads that exist
    /// and wait before the clock starts (thread creation is not the kernel's to answer for).</summary>
    private static double TimeBoth(Action<int> work, bool parallel)
    {
        if (!parallel)
        {
            var start = Stopwatch.GetTimestamp();
            work(0);
            work(1);
            return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        }
        using var ready = new Barrier(3);
        var workers = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            ready.SignalAndWait();
            work(i);
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        ready.SignalAndWait();
        var begin = Stopwatch.GetTimestamp();
        foreach (var worker in workers) worker.Join();
        return Stopwatch.GetElapsedTime(begin).TotalNanoseconds;
    }

    public static void Run(TextWriter output, long half, bool dry)
    {
        var devices = QemuEduDevice.Devices.Select(d => d.RequireCdevPath()).ToArray();
        using var ram = DmaBuffer.Allocate(2 * half, MemoryBacking.Anonymous, populateThreads: 2);
        var halves = new[] { ram.Address, ram.Address + (nint)half };
        // The control: the same two threads writing their halves in user space, no system call — whether this guest on
        // this host runs two threads at once at all, so that a scaling of 1 below can be laid at the kernel's door.
        var value = (byte)0;
        Emit(output, $"GuestRamConcurrency/Control=user-space-writes/Size={half}", parallel =>
        {
            value++;
            return TimeBoth(i => ram.Span.Slice((int)(i * half), (int)half).Fill(value), parallel);
        }, dry);
        foreach (var ioasCount in devices.Length >= 2 ? new[] { 1, 2 } : [1])
        {
            using var iommu = IommuFd.Open();
            var ioases = Enumerable.Range(0, ioasCount).Select(_ => iommu.AllocIoas()).ToArray();
            var attached = ioases.Select((ioas, i) =>
            {
                var device = VfioDevice.Open(devices[i]);
                device.BindIommufd(iommu);
                device.Attach(ioas.Id);
                return device;
            }).ToArray();
            try
            {
                var targets = new[] { ioases[0], ioases[^1] };
                double MapBoth(bool parallel)
                {
                    var ns = TimeBoth(i => targets[i].Map(GuestRamCurve.Iova + (ulong)(i * half), halves[i], (ulong)half, DmaAccess.ReadWrite), parallel);
                    for (var i = 0; i < 2; i++) targets[i].Unmap(GuestRamCurve.Iova + (ulong)(i * half), (ulong)half);
                    return ns;
                }
                Emit(output, $"GuestRamConcurrency/Ioases={ioasCount}/Size={half}", MapBoth, dry);
            }
            finally
            {
                foreach (var device in attached) device.Dispose();
                foreach (var ioas in ioases) ioas.Dispose();
            }
        }
    }
}
