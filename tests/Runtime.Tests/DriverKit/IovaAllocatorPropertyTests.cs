using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Tests.DriverKit;

/// <summary>The allocator against a reference model (a plain list of live allocations over the usable ranges): random
/// allocate/free/reserve sequences, after each step no overlap, nothing outside the usable ranges (so never in a reserved
/// hole between them), alignment kept, free space + allocations = usable space, holes merged, and best fit.</summary>
public sealed class IovaAllocatorPropertyTests
{
    private const ulong Page = 0x1000;

    // An IOAS with VT-d's MSI window reserved, as the kernel reports it after an attach (plus a small range at the bottom
    // so the holes differ in size).
    private static readonly IovaRange[] VtdLike = [new(0x1000, 0x8fff), new(0x100000, 0xfedfffff), new(0xfef00000, 0xffffffffffff)];

    private static void CheckInvariants(IovaAllocator allocator, List<(ulong Iova, ulong Length)> model)
    {
        var live = allocator.Allocations;
        Assert.Equal(model.Order().ToArray(), live);
        for (var i = 0; i < live.Count; i++)
        {
            var (iova, length) = live[i];
            Assert.True(iova % allocator.Alignment == 0 && length % allocator.Alignment == 0, $"0x{iova:x}+0x{length:x} not aligned to 0x{allocator.Alignment:x}");
            Assert.True(allocator.UsableRanges.Any(r => r.Contains(iova, length)), $"0x{iova:x}+0x{length:x} outside the usable ranges");
            if (i > 0) Assert.True(live[i - 1].Iova + live[i - 1].Length <= iova, $"0x{live[i - 1].Iova:x} and 0x{iova:x} overlap");
        }
        var holes = allocator.FreeRanges;
        for (var i = 1; i < holes.Count; i++) Assert.True(holes[i - 1].Last + 1 < holes[i].Start, $"holes {holes[i - 1]} and {holes[i]} touch: not merged");
        foreach (var hole in holes)
        {
            Assert.True(allocator.UsableRanges.Any(r => r.Contains(hole.Start, hole.Length)), $"free hole {hole} outside the usable ranges");
            Assert.DoesNotContain(live, a => a.Iova <= hole.Last && hole.Start < a.Iova + a.Length);
        }
        var usable = allocator.UsableRanges.Aggregate(0UL, (sum, r) => sum + r.Length);
        Assert.Equal(usable, holes.Aggregate(0UL, (sum, h) => sum + h.Length) + live.Aggregate(0UL, (sum, a) => sum + a.Length));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_allocate_and_free_sequences_keep_every_invariant_of_the_reference_model(int seed)
    {
        var random = new Random(seed);
        var allocator = new IovaAllocator(VtdLike, Page);
        var model = new List<(ulong Iova, ulong Length)>();
        for (var step = 0; step < 2000; step++)
        {
            if (model.Count > 0 && random.Next(3) == 0)
            {
                var victim = model[random.Next(model.Count)];
                allocator.Free(victim.Iova);
                model.Remove(victim);
            }
            else
            {
                var length = (ulong)random.Next(1, 64) * Page - (ulong)random.Next(0, 2) * 0x10; // some not page multiples
                var holesBefore = allocator.FreeRanges;
                var iova = allocator.Allocate(length);
                var rounded = (length + Page - 1) / Page * Page;
                model.Add((iova, rounded));
                // best fit: no hole smaller than the one used could have held it
                var used = holesBefore.Single(h => h.Contains(iova, rounded));
                Assert.DoesNotContain(holesBefore, h => h.Length < used.Length && h.Length >= rounded);
            }
            CheckInvariants(allocator, model);
        }
    }

    [Fact]
    public void IOVA_0_is_never_handed_out_or_reserved_even_where_the_kernel_reports_it_usable()
    {
        // type1 on VT-d reports [0, 0xfedfffff] usable (Type1InfoTests); a device writing through a null DMA address must fault
        var allocator = new IovaAllocator([new IovaRange(0, 0x2fff), new IovaRange(0x10000, 0x10fff)], Page);

        Assert.Equal([new IovaRange(Page, 0x2fff), new IovaRange(0x10000, 0x10fff)], allocator.UsableRanges);
        Assert.False(allocator.TryReserve(0, Page));
        Assert.Equal(0x10000UL, allocator.Allocate(Page)); // best fit: the 1-page range first
        Assert.Equal(Page, allocator.Allocate(2 * Page));
        Assert.False(allocator.TryAllocate(Page, out _));

        // a first range that is only page 0 is gone; with a 2 MiB alignment the whole first 2 MiB is cut
        Assert.Equal([new IovaRange(0x10000, 0x10fff)], new IovaAllocator([new IovaRange(0, 0xfff), new IovaRange(0x10000, 0x10fff)], Page).UsableRanges);
        Assert.Equal(0x200000UL, new IovaAllocator([new IovaRange(0, 0xffffff)], 0x200000).Allocate(1));
    }

    [Fact]
    public void Freed_space_is_reused_before_a_larger_hole_is_split()
    {
        var allocator = new IovaAllocator([new IovaRange(0x10000, 0xfffffff)], Page);
        var a = allocator.Allocate(4 * Page);
        var b = allocator.Allocate(Page);
        allocator.Allocate(Page);
        allocator.Free(a);
        Assert.Equal(a, allocator.Allocate(2 * Page)); // the 4-page hole beats the huge one
        allocator.Free(b); // merges with the 2 pages left of a's hole: 3 pages
        Assert.Equal(a + 2 * Page, allocator.Allocate(Page)); // that small hole, not the huge one above
    }

    [Fact]
    public void Allocations_never_land_in_a_reserved_window_between_usable_ranges()
    {
        // 0xfee00000-0xfeefffff (the MSI window) is missing from the ranges: filling everything up never touches it
        var allocator = new IovaAllocator([new IovaRange(0xfed00000, 0xfedfffff), new IovaRange(0xfef00000, 0xfeffffff)], Page);
        var got = new List<ulong>();
        while (allocator.TryAllocate(0x10000, out var iova)) got.Add(iova);
        Assert.Equal(32, got.Count);
        Assert.DoesNotContain(got, iova => iova + 0x10000 > 0xfee00000 && iova <= 0xfeefffff);
    }

    [Fact]
    public void Alignment_larger_than_a_page_is_kept_and_a_range_start_is_rounded_up()
    {
        var allocator = new IovaAllocator([new IovaRange(0x1234000, 0x7ffffff)], 0x200000);
        var iova = allocator.Allocate(0x1000);
        Assert.Equal(0x1400000UL, iova);
        Assert.Equal(0x200000UL, allocator.Allocations.Single().Length);
    }

    [Fact]
    public void Updated_ranges_remove_the_new_reserved_region_and_keep_live_allocations()
    {
        var allocator = new IovaAllocator([new IovaRange(0x1000, ulong.MaxValue)], Page); // an IOAS before any attach (less page 0)
        var low = allocator.Allocate(Page);
        allocator.UpdateRanges(VtdLike, Page);
        CheckInvariants(allocator, [(low, Page)]);
        Assert.Contains(allocator.FreeRanges, h => h.Last == 0xfedfffff);
        Assert.DoesNotContain(allocator.FreeRanges, h => h.Contains(0xfee00000, 1));
    }

    [Fact]
    public void Updated_ranges_that_would_drop_a_live_allocation_are_refused_and_change_nothing()
    {
        var allocator = new IovaAllocator([new IovaRange(0xfee00000, 0xfeefffff)], Page);
        var iova = allocator.Allocate(Page);
        var error = Assert.Throws<InvalidOperationException>(() => allocator.UpdateRanges(VtdLike, Page));
        Assert.Contains($"0x{iova:x}", error.Message);
        CheckInvariants(allocator, [(iova, Page)]);
    }

    [Fact]
    public void Reserve_claims_exactly_the_identity_range_or_nothing()
    {
        var allocator = new IovaAllocator(VtdLike, Page);
        Assert.True(allocator.TryReserve(0x7f0000000000, 0x3000));
        Assert.False(allocator.TryReserve(0x7f0000001000, Page)); // already taken
        Assert.False(allocator.TryReserve(0xfee00000, Page)); // reserved window
        Assert.False(allocator.TryReserve(0x7f0000100800, Page)); // misaligned
        CheckInvariants(allocator, [(0x7f0000000000, 0x3000)]);
    }

    [Fact]
    public void Bad_input_is_refused_naming_the_problem()
    {
        Assert.Contains("not a power of two", Assert.Throws<ArgumentException>(() => new IovaAllocator(VtdLike, 0x3000)).Message);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => new IovaAllocator([new(0, 0x1fff), new(0x1000, 0x2fff)], Page)).Message);
        var allocator = new IovaAllocator(VtdLike, Page);
        Assert.Contains("0x5000 is not the start", Assert.Throws<ArgumentException>(() => allocator.Free(0x5000)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Allocate(0));
        Assert.Contains("no free IOVA hole", Assert.Throws<InvalidOperationException>(() => allocator.Allocate(1UL << 60)).Message);
    }
}
