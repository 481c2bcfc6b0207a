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

    public static void Run(TextWriter output, long half, bool dry)
    {
        var devices = QemuEduDevice.SysfsPaths.Select(QemuEduDevice.CdevOf).ToArray();
        using var ram = DmaBuffer.Allocate(2 * half, MemoryBacking.Anonymous, populateThreads: 2);
        var halves = new[] { ram.Address, ram.Address + (nint)half };
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
                    void MapHalf(int i) => targets[i].Map(GuestRamCurve.Iova + (ulong)(i * half), halves[i], (ulong)half, DmaAccess.ReadWrite);
                    double ns;
                    if (parallel)
                    {
                        // both threads exist and wait before the clock starts: thread creation is not the kernel's to answer for
                        using var ready = new Barrier(3);
                        var workers = Enumerable.Range(0, 2).Select(i => new Thread(() =>
                        {
                            ready.SignalAndWait();
                            MapHalf(i);
                        })).ToArray();
                        foreach (var worker in workers) worker.Start();
                        ready.SignalAndWait();
                        var start = Stopwatch.GetTimestamp();
                        foreach (var worker in workers) worker.Join();
                        ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                    }
                    else
                    {
                        var start = Stopwatch.GetTimestamp();
                        MapHalf(0);
                        MapHalf(1);
                        ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                    }
                    for (var i = 0; i < 2; i++) targets[i].Unmap(GuestRamCurve.Iova + (ulong)(i * half), (ulong)half);
                    return ns;
                }
                MapBoth(parallel: true); // warm-up
                var rounds = dry ? 1 : Rounds;
                var one = Enumerable.Range(0, rounds).Select(_ => MapBoth(parallel: false)).Order().ElementAt(rounds / 2);
                var two = Enumerable.Range(0, rounds).Select(_ => MapBoth(parallel: true)).Order().ElementAt(rounds / 2);
                var key = $"GuestRamConcurrency/Ioases={ioasCount}/Size={half}";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/one-thread-ns\t{one:F1}"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/two-threads-ns\t{two:F1}"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}/scaling\t{one / two:F3}"));
            }
            finally
            {
                foreach (var device in attached) device.Dispose();
                foreach (var ioas in ioases) ioas.Dispose();
            }
        }
    }
}
