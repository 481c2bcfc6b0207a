using System.Buffers.Binary;
using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>Decoding VFIO_IOMMU_GET_INFO's capability chain (laid out as vfio.h says; the VM tier reads a real one).</summary>
public class Type1InfoTests
{
    /// <summary>An answer of the shape drivers/vfio/vfio_iommu_type1.c writes: the header, then the IOVA-range capability
    /// with its ranges, then DMA_AVAIL, each cap's next pointing at the following one.</summary>
    private static byte[] Answer(ulong pageSizes, (ulong Start, ulong End)[] ranges, uint available)
    {
        var rangeCap = vfio_iommu_type1_info_cap_iova_range.NativeSize + ranges.Length * vfio_iova_range.NativeSize;
        var availCap = vfio_iommu_type1_info.NativeSize + rangeCap;
        var bytes = new byte[availCap + vfio_iommu_type1_info_dma_avail.NativeSize];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Constants.VFIO_IOMMU_INFO_PGSIZES | Constants.VFIO_IOMMU_INFO_CAPS);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], pageSizes);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)vfio_iommu_type1_info.NativeSize);
        var cap = span[vfio_iommu_type1_info.NativeSize..];
        BinaryPrimitives.WriteUInt16LittleEndian(cap, Constants.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
        BinaryPrimitives.WriteUInt16LittleEndian(cap[2..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(cap[4..], (uint)availCap);
        BinaryPrimitives.WriteUInt32LittleEndian(cap[8..], (uint)ranges.Length);
        for (var i = 0; i < ranges.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(cap[(16 + 16 * i)..], ranges[i].Start);
            BinaryPrimitives.WriteUInt64LittleEndian(cap[(24 + 16 * i)..], ranges[i].End);
        }
        var avail = span[availCap..];
        BinaryPrimitives.WriteUInt16LittleEndian(avail, Constants.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[2..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(avail[8..], available);
        return bytes;
    }

    [Fact]
    public void Page_sizes_ranges_and_mappings_left_are_read_from_the_chain()
    {
        var info = Type1Info.Decode(Answer(0x4020_1000, [(0, 0xfedf_ffff), (0xfef0_0000, 0xffff_ffff_ffff)], 65535));

        Assert.Equal(0x4020_1000UL, info.PageSizes);
        Assert.Equal(4096UL, info.SmallestPageSize);
        Assert.Equal([new IovaRange(0, 0xfedf_ffff), new IovaRange(0xfef0_0000, 0xffff_ffff_ffff)], info.IovaRanges);
        Assert.Equal(65535u, info.DmaMappingsAvailable);
        Assert.Contains("IOVA page sizes: 4 KiB, 2 MiB, 1 GiB", info.Describe());
    }

    [Fact]
    public void The_migration_capability_gives_the_dirty_bitmap_page_size_and_limit()
    {
        var header = vfio_iommu_type1_info.NativeSize;
        var bytes = new byte[header + vfio_iommu_type1_info_cap_migration.NativeSize];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Constants.VFIO_IOMMU_INFO_PGSIZES | Constants.VFIO_IOMMU_INFO_CAPS);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], 0x4020_1000);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)header);
        var cap = span[header..];
        BinaryPrimitives.WriteUInt16LittleEndian(cap, Constants.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
        BinaryPrimitives.WriteUInt16LittleEndian(cap[2..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(cap[16..], 0x4020_1000); // pgsize_bitmap
        BinaryPrimitives.WriteUInt64LittleEndian(cap[24..], 256UL << 20); // max_dirty_bitmap_size

        var info = Type1Info.Decode(bytes);

        Assert.Equal(new Type1DirtyTracking(0x4020_1000, 256UL << 20), info.DirtyTracking);
        Assert.Contains("dirty tracking: bitmaps of 4 KiB pages, at most 256 MiB of bitmap (8 TiB of IOVA) a read", info.Describe());
    }

    [Fact]
    public void An_answer_without_capabilities_says_not_reported()
    {
        var bytes = new byte[vfio_iommu_type1_info.NativeSize];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Constants.VFIO_IOMMU_INFO_PGSIZES);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), 0x1000);

        var info = Type1Info.Decode(bytes);

        Assert.Null(info.IovaRanges);
        Assert.Null(info.DmaMappingsAvailable);
        Assert.Null(info.DirtyTracking);
        Assert.Contains("IOVA ranges: not reported", info.Describe());
        Assert.Contains("dirty tracking: not reported", info.Describe());
    }

    [Fact]
    public void A_chain_that_loops_or_leaves_the_answer_is_refused_naming_the_offset()
    {
        var bytes = Answer(0x1000, [(0, 0xffff)], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(vfio_iommu_type1_info.NativeSize + 4), (uint)vfio_iommu_type1_info.NativeSize); // next -> itself

        var e = Assert.Throws<InvalidDataException>(() => Type1Info.Decode(bytes));

        Assert.Contains($"capability at offset {vfio_iommu_type1_info.NativeSize}", e.Message);
    }
}
