namespace Linux.Iommu.Tests.Runtime;

/// <summary>The bitmap arithmetic both backends share and the checks a read passes before any kernel call.</summary>
public class DirtyBitmapTests
{
    private const ulong Page = 4096;

    [Theory]
    [InlineData(Page, 1)]                 // one page: one word
    [InlineData(64 * Page, 1)]
    [InlineData(65 * Page, 2)]
    [InlineData(1UL << 30, 4096)]         // 1 GiB: 262,144 pages, 32 KiB of bitmap
    [InlineData(16UL << 30, 65536)]       // 16 GiB: 512 KiB of bitmap
    public void Words_are_the_pages_rounded_up_to_64(ulong length, long words)
    {
        Assert.Equal(words, DirtyBitmap.Words(length, Page));
        Assert.Equal(words * 8, DirtyBitmap.Bytes(length, Page));
    }

    [Fact]
    public void Words_at_2_MiB_pages_count_2_MiB_pages()
    {
        Assert.Equal(8, DirtyBitmap.Words(1UL << 30, 2UL << 20)); // 512 pages
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3000UL)]
    [InlineData(Page + 1)]
    public void A_page_size_that_is_not_a_power_of_two_is_refused_naming_it(ulong pageSize)
    {
        var e = Assert.Throws<ArgumentException>(() => DirtyBitmap.Words(1UL << 20, pageSize));
        Assert.Equal("pageSize", e.ParamName);
        Assert.Contains($"page size 0x{pageSize:x} is not a power of two", e.Message);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(Page + 512)]
    public void A_length_of_no_pages_or_part_of_one_is_refused(ulong length)
    {
        var e = Assert.Throws<ArgumentException>(() => DirtyBitmap.Words(length, Page));
        Assert.Equal("length", e.ParamName);
        Assert.Contains($"length 0x{length:x} is not a positive multiple of the page size 0x1000", e.Message);
    }

    [Fact]
    public void A_read_at_an_unaligned_iova_is_refused_before_the_kernel()
    {
        var bitmap = new ulong[1];
        var e = Assert.Throws<ArgumentException>(() => DirtyBitmap.Prepare(0x1800, Page, Page, bitmap));
        Assert.Equal("iova", e.ParamName);
    }

    [Fact]
    public void A_range_that_wraps_past_2_to_the_64_is_refused()
    {
        var bitmap = new ulong[1];
        var e = Assert.Throws<ArgumentException>(() => DirtyBitmap.Prepare(ulong.MaxValue - Page + 1, 2 * Page, Page, bitmap));
        Assert.Contains("wraps past 2^64", e.Message);
    }

    [Fact]
    public void A_bitmap_too_short_for_the_range_is_refused_with_the_words_it_needs()
    {
        var bitmap = new ulong[1];
        var e = Assert.Throws<ArgumentException>(() => DirtyBitmap.Prepare(0, 65 * Page, Page, bitmap));
        Assert.Equal("bitmap", e.ParamName);
        Assert.Contains("65 pages of 0x1000: they need 2 words of bitmap, got 1", e.Message);
    }

    [Fact]
    public void Prepare_clears_the_words_of_the_range_and_leaves_the_rest()
    {
        ulong[] bitmap = [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];

        var covered = DirtyBitmap.Prepare(0x10000, 65 * Page, Page, bitmap);

        Assert.Equal(2, covered.Length);
        Assert.Equal([0UL, 0UL, ulong.MaxValue], bitmap);
    }

    [Fact]
    public void IsDirty_and_CountDirty_read_bit_i_mod_64_of_word_i_div_64()
    {
        ulong[] bitmap = [1UL << 63 | 1, 1UL << 2];

        Assert.True(DirtyBitmap.IsDirty(bitmap, 0));
        Assert.True(DirtyBitmap.IsDirty(bitmap, 63));
        Assert.True(DirtyBitmap.IsDirty(bitmap, 66));
        Assert.False(DirtyBitmap.IsDirty(bitmap, 64));
        Assert.Equal(3, DirtyBitmap.CountDirty(bitmap));
    }

    [Fact]
    public void Type1_reads_at_most_256_MiB_of_bitmap_which_is_8_TiB_of_4_KiB_pages()
    {
        // DIRTY_BITMAP_SIZE_MAX of vfio_iommu_type1.c: INT_MAX pages rounded up to 64 bits, in bytes
        var limits = new Type1DirtyTracking(0x4020_1000, 256UL << 20);

        Assert.Equal(Page, limits.PageSize);
        Assert.Equal(8UL << 40, limits.MaxRangeLength);
    }

    [Fact]
    public void Type1_refuses_a_read_past_8_TiB_naming_the_limit_and_takes_8_TiB_exactly()
    {
        var limits = new Type1DirtyTracking(0x4020_1000, 256UL << 20);
        var eightTiB = 8UL << 40;

        limits.CheckRead(0, eightTiB, Page, (ulong)DirtyBitmap.Bytes(eightTiB, Page));
        var e = Assert.Throws<ArgumentException>(() => limits.CheckRead(0, eightTiB + Page, Page, (ulong)DirtyBitmap.Bytes(eightTiB + Page, Page)));

        Assert.Equal("length", e.ParamName);
        Assert.Contains("needs 268435464 bytes of bitmap; type1 fills at most max_dirty_bitmap_size = 268435456 bytes (256 MiB, 8 TiB of IOVA) a read: read it in pieces", e.Message);
    }

    [Fact]
    public void Type1_refuses_a_read_at_another_page_size_than_its_smallest()
    {
        var limits = new Type1DirtyTracking(0x4020_1000, 256UL << 20);

        var e = Assert.Throws<ArgumentException>(() => limits.CheckRead(0, 2UL << 20, 2UL << 20, 8));

        Assert.Equal("pageSize", e.ParamName);
        Assert.Contains("only at the container's smallest IOMMU page size 0x1000", e.Message);
    }
}
