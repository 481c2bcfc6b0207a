using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>What a legacy type1 container offers (VFIO_IOMMU_GET_INFO once an IOMMU is set): the IOVA page sizes, the
/// usable IOVA ranges (capability VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) and how many more DMA mappings it allows
/// (VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL), and its dirty-tracking limits (VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION). The legacy counterpart of an IOAS's ranges and hw_info on kernels without iommufd.</summary>
/// <param name="PageSizes">iova_pgsizes: a bit per supported IOVA page size.</param>
/// <param name="IovaRanges">The ranges, or null when the kernel reports none (no capability chain).</param>
/// <param name="DmaMappingsAvailable">The mappings left, or null when the kernel does not say.</param>
public sealed record Type1Info(ulong PageSizes, IReadOnlyList<IovaRange>? IovaRanges, uint? DmaMappingsAvailable)
{
    /// <summary>The dirty-tracking capability (VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION), or null when the kernel reports none.</summary>
    public Type1DirtyTracking? DirtyTracking { get; init; }

    /// <summary>The smallest IOVA page size (the lowest bit of <see cref="PageSizes"/>), 0 when none is reported.</summary>
    public ulong SmallestPageSize => PageSizes & (~PageSizes + 1);

    /// <summary>Reads the capability chain of a VFIO_IOMMU_GET_INFO answer of <paramref name="info"/>'s length.</summary>
    /// <exception cref="InvalidDataException">A capability offset points outside the answer or backwards (the chain must
    /// end).</exception>
    internal static Type1Info Decode(ReadOnlySpan<byte> info)
    {
        var header = MemoryMarshal.Read<vfio_iommu_type1_info>(info);
        List<IovaRange>? ranges = null;
        uint? available = null;
        Type1DirtyTracking? dirty = null;
        var offset = (header.flags & Constants.VFIO_IOMMU_INFO_CAPS) != 0 ? header.cap_offset : 0;
        var previous = 0u;
        while (offset != 0)
        {
            if (offset <= previous || offset + vfio_info_cap_header.NativeSize > info.Length)
                throw new InvalidDataException($"VFIO_IOMMU_GET_INFO: capability at offset {offset} is outside the {info.Length}-byte answer or not after the previous one ({previous})");
            var cap = MemoryMarshal.Read<vfio_info_cap_header>(info[(int)offset..]);
            switch (cap.id)
            {
                case Constants.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
                    var range = MemoryMarshal.Read<vfio_iommu_type1_info_cap_iova_range>(info[(int)offset..]);
                    var entries = MemoryMarshal.Cast<byte, vfio_iova_range>(info.Slice((int)offset + vfio_iommu_type1_info_cap_iova_range.NativeSize, (int)range.nr_iovas * vfio_iova_range.NativeSize));
                    ranges = [];
                    foreach (var entry in entries) ranges.Add(new IovaRange(entry.start, entry.end));
                    break;
                case Constants.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
                    available = MemoryMarshal.Read<vfio_iommu_type1_info_dma_avail>(info[(int)offset..]).avail;
                    break;
                case Constants.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION:
                    var migration = MemoryMarshal.Read<vfio_iommu_type1_info_cap_migration>(info[(int)offset..]);
                    dirty = new Type1DirtyTracking(migration.pgsize_bitmap, migration.max_dirty_bitmap_size);
                    break;
            }
            previous = offset;
            offset = cap.next;
        }
        return new Type1Info((header.flags & Constants.VFIO_IOMMU_INFO_PGSIZES) != 0 ? header.iova_pgsizes : 0, ranges, available) { DirtyTracking = dirty };
    }

    /// <summary>"page sizes 4 KiB, 2 MiB, 1 GiB; 2 IOVA ranges ...; 65535 more mappings".</summary>
    public string Describe()
    {
        var sizes = Enumerable.Range(0, 64).Where(b => (PageSizes >> b & 1) != 0).Select(b => Readable.Bytes(1UL << b)).ToList();
        var text = new System.Text.StringBuilder();
        text.Append($"  IOVA page sizes: {(sizes.Count == 0 ? "not reported" : string.Join(", ", sizes))}\n");
        text.Append($"  DMA mappings available: {DmaMappingsAvailable?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not reported"}\n");
        text.Append($"  dirty tracking: {(DirtyTracking is { } d ? $"bitmaps of {Readable.Bytes(d.PageSize)} pages, at most {Readable.Bytes(d.MaxBitmapBytes)} of bitmap ({Readable.Bytes(d.MaxRangeLength)} of IOVA) a read" : "not reported")}\n");
        if (IovaRanges is null) text.Append("  IOVA ranges: not reported\n");
        else foreach (var range in IovaRanges) text.Append($"  IOVA range {range} ({(range.Length == 0 ? "2^64 B" : Readable.Bytes(range.Length))})\n");
        return text.ToString();
    }
}
