using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Linux.Iommu.Bench.Harness;

namespace Linux.Iommu.Bench.GuestRam;

/// <summary>The cost curve of bringing up guest RAM: for each backing and size (4 KiB … the largest asked,
/// powers of 4), populate once (timed, apart), then map + unmap the whole buffer with edu attached — into an IOAS with
/// IOMMU_OPTION_HUGE_PAGES on and off, and into a type1 container — in rounds alternating the C twin
/// (bench/c/guestram.c) and the runtime (<see cref="DmaMapperExtensions.Map(IDmaMapper, ulong, DmaBuffer, DmaAccess)"/>,
/// the fastest path for the backing) on the same buffer and target. Map and unmap are timed apart. Writes
/// "key TAB value" lines: GuestRam/Backing=B/Backend=X/HugePages=H/Size=N/measure.</summary>
public static unsafe class GuestRamCurve
{
    /// <summary>The hugetlb backings last: their pool stays reserved once grown, so the guest needs the largest size only
    /// once more than its own memory.</summary>
    public static readonly MemoryBacking[] Backings =
        [MemoryBacking.Anonymous, MemoryBacking.TransparentHugePages, MemoryBacking.Memfd, MemoryBacking.HugeTlb2M, MemoryBacking.MemfdHugeTlb2M];

    public static readonly (Backend Backend, bool HugePages)[] Targets = [(Backend.Ioas, true), (Backend.Ioas, false), (Backend.Type1, true)];

    /// <summary>The IOMMU superpage sizes whose physically contiguous share of each buffer is recorded (VT-d: 2 MiB, and
    /// 1 GiB where the vIOMMU offers it).</summary>
    public static readonly long[] ContiguityChunks = [2L << 20, 1L << 30];

    /// <summary>The measure of the share of a buffer in physically contiguous <paramref name="chunk"/>s.</summary>
    public static string ContiguityMeasure(long chunk) => $"contiguous-{Readable.Bytes((ulong)chunk).Replace(" ", "", StringComparison.Ordinal)}-share";

    /// <summary>The measure of the mean physically contiguous run of a buffer, in bytes.</summary>
    public const string MeanRunMeasure = "contiguous-run-mean-bytes";

    public const ulong Iova = 1UL << 32; // inside the guest VT-d's usable range, past edu's DMA window: nothing else there

    /// <summary>4 KiB, 16 KiB, … up to <paramref name="max"/>.</summary>
    public static IEnumerable<long> Sizes(long max)
    {
        for (var size = 4096L; size <= max; size *= 4) yield return size;
    }

    public static string Key(MemoryBacking backing, Backend backend, bool hugePages, long size, string measure) =>
        $"GuestRam/Backing={backing}/Backend={backend}/HugePages={hugePages}/Size={size}/{measure}";

    /// <summary>Rounds for one case: enough for a median where a call is short, three where it takes seconds under TCG.</summary>
    private static int Rounds(long size, bool dry) => dry ? 1 : size >= 256L << 20 ? 5 : size >= 16L << 20 ? 7 : 9;

    public static void Run(TextWriter output, long maxSize, bool dry)
    {
        var (cdev, group) = GuestRamTarget.Edu();
        var twin = CTwin();
        foreach (var backing in Backings)
        {
            if (MemoryBackings.MissingKernelOption(backing) is { } option)
            {
                Console.WriteLine($"== guest RAM: {backing}: not offered by this guest kernel ({option} is not set)");
                output.WriteLine($"{UnavailablePrefix}Backing={backing}/{option}\t1");
                continue;
            }
            var pageSize = MemoryBackings.PageSize(backing);
            foreach (var size in Sizes(maxSize).Where(s => s >= pageSize))
            {
                Console.WriteLine($"== guest RAM: {backing} {Readable.Bytes((ulong)size)}");
                if (MemoryBackings.IsHugeTlb(backing)) HugePagePool.Ensure(pageSize, size / pageSize);
                using var buffer = DmaBuffer.Allocate(size, backing, populateThreads: 0);
                var start = Stopwatch.GetTimestamp();
                buffer.Populate(1);
                var populate = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                var (shares, meanRun) = PhysicalContiguity.Read(buffer.Address, size, ContiguityChunks);
                var contiguous = ContiguityChunks.Select((chunk, c) => (Measure: ContiguityMeasure(chunk), Value: shares[c]))
                    .Where(c => !double.IsNaN(c.Value)).Append((MeanRunMeasure, meanRun)).ToArray();
                foreach (var (backend, hugePages) in Targets)
                {
                    using var target = GuestRamTarget.Open(backend, hugePages, cdev, group);
                    void Emit(string measure, double value) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Key(backing, backend, hugePages, size, measure)}\t{value:G9}"));
                    Emit("populate-ns", populate);
                    foreach (var (measure, share) in contiguous) Emit(measure, share);
                    foreach (var (measure, value) in Interleave(target, buffer, twin, Rounds(size, dry))) Emit(measure, value);
                    output.Flush();
                }
            }
        }
    }

    /// <summary>The key prefix of a backing the guest kernel cannot give (the report lists them, with the option).</summary>
    public const string UnavailablePrefix = "GuestRamUnavailable/";

    /// <summary>bench_guestram_map_unmap of libguestram.so (BENCH_C_DIR), or null outside bench runs (then only C# is timed).</summary>
    private static nint CTwin() => CBaselines.Available ? CBaselines.Export("libguestram.so", "bench_guestram_map_unmap") : 0;

    /// <summary>C and C# map + unmap of the whole buffer, alternating; medians of each side's map and unmap times and of
    /// the per-round ratios C#/C.</summary>
    private static IEnumerable<(string, double)> Interleave(GuestRamTarget target, DmaBuffer buffer, nint twin, int rounds)
    {
        var (iommufd, ioas, container) = target.Native();
        var memfd = buffer.File is { } file && target.Ioas is not null ? (int)file.DangerousGetHandle() : -1;
        var mapper = target.Mapper;
        var c = new (double Map, double Unmap)[rounds];
        var cs = new (double Map, double Unmap)[rounds];
        for (var round = -1; round < rounds; round++) // round -1 warms both up
        {
            if (twin != 0)
            {
                var times = CallTwin(twin, iommufd, ioas, container, memfd, buffer);
                if (round >= 0) c[round] = times;
            }
            var start = Stopwatch.GetTimestamp();
            mapper.Map(Iova, buffer, DmaAccess.ReadWrite);
            var mapped = Stopwatch.GetTimestamp();
            mapper.Unmap(Iova, buffer);
            var end = Stopwatch.GetTimestamp();
            if (round >= 0) cs[round] = (Stopwatch.GetElapsedTime(start, mapped).TotalNanoseconds, Stopwatch.GetElapsedTime(mapped, end).TotalNanoseconds);
        }
        yield return ("cs-map-ns", Median(cs.Select(r => r.Map)));
        yield return ("cs-unmap-ns", Median(cs.Select(r => r.Unmap)));
        if (twin == 0) yield break;
        yield return ("c-map-ns", Median(c.Select(r => r.Map)));
        yield return ("c-unmap-ns", Median(c.Select(r => r.Unmap)));
        yield return ("map-ratio", Median(cs.Zip(c, (x, y) => x.Map / y.Map)));
        yield return ("unmap-ratio", Median(cs.Zip(c, (x, y) => x.Unmap / y.Unmap)));
    }

    private static (double Map, double Unmap) CallTwin(nint twin, int iommufd, uint ioas, int container, int memfd, DmaBuffer buffer)
    {
        double map, unmap;
        var rc = ((delegate* unmanaged<int, uint, int, int, nint, ulong, ulong, double*, double*, int>)twin)(
            iommufd, ioas, container, memfd, buffer.Address, (ulong)buffer.Length, Iova, &map, &unmap);
        if (rc < 0) throw new IommuException("C twin map + unmap", -rc, $"{buffer.Backing}, {Readable.Bytes((ulong)buffer.Length)}");
        return (map, unmap);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
