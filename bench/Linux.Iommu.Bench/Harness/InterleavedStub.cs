using System.Diagnostics;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The stub-vs-C ratio measured in alternating rounds in one process: a round of the C loop (bench/c/stub.c
/// built as a shared library, named by BENCH_C_STUB) then a round of the generated stub, many times. A 5% target
/// cannot be judged from two runs minutes apart on a shared 2-core machine; rounds side by side share its load.
/// A third leg calls libc's ioctl through a bare function pointer (GC transition, no errno read), which splits
/// the stub's overhead into what any managed→native call costs and what the stub adds on top of it.</summary>
internal static class InterleavedStub
{
    public const string LibraryVariable = "BENCH_C_STUB";
    private const int Rounds = 201, CallsPerRound = 20_000;

    public static (string Key, double Value)[] Measure(CaseKey key, int fd)
    {
        var path = Environment.GetEnvironmentVariable(LibraryVariable);
        if (string.IsNullOrEmpty(path)) return []; // only bench/run.sh builds the library
        var library = NativeLibrary.Load(path);
        var c = new double[Rounds];
        var managed = new double[Rounds];
        var bare = new double[Rounds];
        Alternate(NativeLibrary.GetExport(library, "stub_destroy_loop"), NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "ioctl"), fd, c, managed, bare);
        NativeLibrary.Free(library);
        return [(key.Measure("interleaved-c-ns"), Median(c)), (key.Measure("interleaved-cs-ns"), Median(managed)),
                (key.Measure("interleaved-ratio"), Median(managed.Zip(c, (m, n) => m / n).ToArray())),
                (key.Measure("interleaved-bare-ns"), Median(bare)),
                (key.Measure("interleaved-bare-ratio"), Median(bare.Zip(c, (m, n) => m / n).ToArray()))];
    }

    private static unsafe void Alternate(nint export, nint ioctl, int fd, double[] c, double[] managed, double[] bare)
    {
        var loop = (delegate* unmanaged<int, long, long>)export;
        var raw = (delegate* unmanaged<int, nuint, void*, int>)ioctl;
        for (var round = -1; round < Rounds; round++) // round -1 warms both up
        {
            var start = Stopwatch.GetTimestamp();
            if (loop(fd, CallsPerRound) != 0) throw new InvalidOperationException("the C loop's ioctl did not fail with ENOTTY");
            var middle = Stopwatch.GetTimestamp();
            for (var i = 0; i < CallsPerRound; i++)
            {
                var destroy = iommu_destroy.Create();
                if (Ioctls.TryIOMMU_DESTROY(fd, ref destroy) != -Errno.ENOTTY) throw new InvalidOperationException("the stub's ioctl did not fail with ENOTTY");
            }
            var end = Stopwatch.GetTimestamp();
            for (var i = 0; i < CallsPerRound; i++)
            {
                var destroy = iommu_destroy.Create();
                if (raw(fd, Requests.IOMMU_DESTROY, &destroy) != -1) throw new InvalidOperationException("the bare ioctl did not fail");
            }
            var last = Stopwatch.GetTimestamp();
            if (round < 0) continue;
            c[round] = Stopwatch.GetElapsedTime(start, middle).TotalNanoseconds / CallsPerRound;
            managed[round] = Stopwatch.GetElapsedTime(middle, end).TotalNanoseconds / CallsPerRound;
            bare[round] = Stopwatch.GetElapsedTime(end, last).TotalNanoseconds / CallsPerRound;
        }
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
}
