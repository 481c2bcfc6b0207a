using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Linux.Iommu.Bench.Nvme;

/// <summary>The address space of the NVMe suite's DmaSpace with a stopwatch around its map and unmap calls: the share of
/// an I/O's time spent in them is measured here, outside the driver kit, which keeps no clock on its hot path. One
/// thread at a time (the suite's; DmaSpace calls under its lock).</summary>
internal sealed class TimedMapper(IDmaMapper inner) : IDmaMapper
{
    /// <summary>Stopwatch ticks spent in map and unmap calls so far.</summary>
    public long Ticks { get; private set; }

    public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        var start = Stopwatch.GetTimestamp();
        var mapped = inner.TryMap(iova, userAddress, length, access, out errno);
        Ticks += Stopwatch.GetTimestamp() - start;
        return mapped;
    }

    public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        var start = Stopwatch.GetTimestamp();
        var done = inner.TryUnmap(iova, length, out unmapped, out errno);
        Ticks += Stopwatch.GetTimestamp() - start;
        return done;
    }

    public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access) => inner.Map(iova, userAddress, length, access);

    public ulong Unmap(ulong iova, ulong length) => inner.Unmap(iova, length);

    [DoesNotReturn]
    public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null) =>
        inner.ThrowMapFailure(errno, iova, userAddress, length, access, detail);

    [DoesNotReturn]
    public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null) => inner.ThrowUnmapFailure(errno, iova, length, detail);
}
