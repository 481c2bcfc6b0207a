using System.Runtime.InteropServices;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The C baselines' loops as functions (bench/c built as shared libraries by bench/run.sh, found in the folder
/// BENCH_C_DIR names), for the interleaved comparisons. Absent outside bench/run.sh: the comparisons are skipped.</summary>
internal static unsafe class CBaselines
{
    public const string DirectoryVariable = "BENCH_C_DIR";

    /// <summary>The kinds of loop bench_ioas_loop and bench_type1_loop run (bench/c/loops.h).</summary>
    public enum LoopKind { MapUnmap, PerPage, ScatteredPerPage, SingleIoctl }

    private static readonly string? Dir = Environment.GetEnvironmentVariable(DirectoryVariable);

    public static bool Available => !string.IsNullOrEmpty(Dir);

    public static Action<long> IoasLoop(IommuSession session, LoopKind kind, nint va, ulong length)
    {
        var loop = Export("libiommufd.so", "bench_ioas_loop");
        var fd = (int)session.Iommu.Handle.DangerousGetHandle();
        var ioas = session.Ioas.Id;
        return n => ((delegate* unmanaged<int, uint, int, nint, ulong, long, long>)loop)(fd, ioas, (int)kind, va, length, n);
    }

    public static Action<long> Type1Loop(VfioContainer container, LoopKind kind, nint va, ulong length)
    {
        var loop = Export("libtype1.so", "bench_type1_loop");
        var fd = (int)container.Handle.DangerousGetHandle();
        return n => ((delegate* unmanaged<int, int, nint, ulong, long, long>)loop)(fd, (int)kind, va, length, n);
    }

    /// <summary>bench_type1_dirty_loop (bench/c/type1.c): n reads of the dirty bitmap of [iova, iova + length) at 4 KiB
    /// pages into <paramref name="bitmap"/> (pinned: the loop keeps its address).</summary>
    public static Action<long> Type1DirtyLoop(VfioContainer container, ulong iova, ulong length, ulong[] bitmap)
    {
        var loop = Export("libtype1.so", "bench_type1_dirty_loop");
        var fd = (int)container.Handle.DangerousGetHandle();
        var data = (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(bitmap));
        return n => ((delegate* unmanaged<int, ulong, ulong, nint, long, long>)loop)(fd, iova, length, data, n);
    }

    /// <summary>bench_invalidate_loop (bench/c/invalidate.c): n entries to the nested HWPT in ioctls of up to <paramref name="batch"/>.</summary>
    public static Action<long> InvalidateLoop(IommuFd iommu, uint nestedHwptId, uint batch)
    {
        var loop = Export("libinvalidate.so", "bench_invalidate_loop");
        var fd = (int)iommu.Handle.DangerousGetHandle();
        return n => ((delegate* unmanaged<int, uint, uint, long, long>)loop)(fd, nestedHwptId, batch, n);
    }

    public static nint Export(string library, string name) => NativeLibrary.GetExport(NativeLibrary.Load(Path.Combine(Dir!, library)), name);

    /// <summary>Runs a benchmark method <paramref name="n"/> times.</summary>
    public static Action<long> Repeat(Action operation) => n =>
    {
        for (var i = 0; i < n; i++) operation();
    };
}
