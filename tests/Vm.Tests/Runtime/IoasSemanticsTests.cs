using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>What an IOAS does on the real kernel, beyond a plain map: kernel-chosen IOVAs, unmap lengths, copies and
/// files made visible to the edu device's DMA, options, and what pins memory.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class IoasSemanticsTests
{
    private static readonly ulong Page = EduIoas.Page;

    [Fact]
    public void Map_anywhere_returns_an_aligned_iova_inside_the_usable_ranges()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area_auto_iova) "Kernel automatically aligns IOVAs properly"
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(4 * (long)Page);
        var (ranges, alignment) = rig.Ioas.GetIovaRanges();

        var iova = rig.Ioas.MapAnywhere(buffer.Address, 4 * Page, DmaAccess.Read);

        Assert.Contains(ranges, r => r.Contains(iova, 4 * Page));
        Assert.Equal(0UL, iova % alignment);
        Assert.Equal(4 * Page, rig.Ioas.Unmap(iova, 4 * Page));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_anywhere_stays_inside_the_allowed_iovas_which_iova_ranges_does_not_report()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area_auto_iova) "Allocate from an allowed region" (ten lengths, 1..10 pages).
        // Measured on 7.3: IOVA_RANGES lists the holes between reserved regions only (ioas.c iommufd_ioas_iova_ranges
        // walks reserved_itree), so an allowed list does not show there.
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(10 * (long)Page);
        var before = rig.Ioas.GetIovaRanges().Ranges;
        var allowed = new IovaRange(rig.Base + (16 << 20), rig.Base + (24 << 20) - 1);
        rig.Ioas.AllowIovas([allowed]);

        for (var pages = 1UL; pages <= 10; pages++)
        {
            var iova = rig.Ioas.MapAnywhere(buffer.Address, pages * Page, DmaAccess.Read);
            Assert.True(allowed.Contains(iova, pages * Page), $"0x{iova:x} + {pages} pages is outside the allowed {allowed}");
        }

        Assert.Equal(before, rig.Ioas.GetIovaRanges().Ranges);
        Assert.Equal(55 * Page, rig.Ioas.UnmapAll());
        rig.Ioas.AllowIovas([]);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Unmap_returns_the_length_really_unmapped_and_holes_in_the_range_are_fine()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, unmap_fully_contained_areas) "Unmap fully contained areas works": 4 areas
        // of 8 pages, 16 pages apart, unmapped by one range reaching 4 pages past each end
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(8 * (long)Page);
        var first = rig.Base + 4 * Page;
        for (var area = 0UL; area < 4; area++) rig.Ioas.Map(first + area * 16 * Page, buffer.Address, 8 * Page, DmaAccess.Read);

        Assert.Equal(32 * Page, rig.Ioas.Unmap(first - 4 * Page, 3 * 16 * Page + 8 * Page + 4 * Page + 4 * Page));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Unmap_all_returns_what_was_mapped_and_0_on_an_empty_ioas()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, area) "unmap all works", "Unmap all succeeds on an empty IOAS"
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var buffer = DmaBuffer.Allocate(3 * (long)Page);
        Assert.Equal(0UL, ioas.UnmapAll());
        ioas.Map(0x100000, buffer.Address, Page, DmaAccess.Read);
        ioas.Map(0x200000, buffer.Address, 2 * Page, DmaAccess.Read);

        Assert.Equal(3 * Page, ioas.UnmapAll());
        Assert.Equal(0UL, ioas.UnmapAll());
    }

    [Fact]
    public void Copy_from_another_ioas_makes_the_same_memory_visible_to_DMA_at_the_new_iova()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_mock_domain, user_copy) "Pin the pages in an IOAS with no domains then copy to an
        // IOAS with domains" — here the edu device reads them
        using var rig = EduIoas.Open();
        using var source = rig.Iommu.AllocIoas();
        using var buffer = DmaBuffer.Allocate(QemuEduDevice.MaxTransfer);
        Random.Shared.NextBytes(buffer.Span);
        var sourceIova = rig.Base + (48 << 20); // an IOVA the device's IOAS does not have
        var copiedIova = rig.Base;
        source.Map(sourceIova, buffer, DmaAccess.Read);

        rig.Ioas.CopyFrom(source, sourceIova, copiedIova, (ulong)buffer.Length, DmaAccess.Read);

        Assert.Equal(buffer.Span[..QemuEduDevice.MaxTransfer].ToArray(), rig.ReadByDma(copiedIova, QemuEduDevice.MaxTransfer));
        Assert.Equal((ulong)buffer.Length, rig.Ioas.Unmap(copiedIova, (ulong)buffer.Length));
        source.Unmap(sourceIova, buffer);
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Map_file_of_a_memfd_makes_its_bytes_visible_to_DMA()
    {
        GuestKernel.Require(KernelOffer.MapFile);
        // selftest: TEST_F(iommufd_mock_domain, basic) test_basic_file "Simple one page map" of a memfd
        using var rig = EduIoas.Open();
        var content = new byte[Page];
        Random.Shared.NextBytes(content);
        using var memfd = UserMemory.Memfd(content);

        rig.Ioas.MapFile(rig.Base, memfd, 0, Page, DmaAccess.Read);

        Assert.Equal(content[..QemuEduDevice.MaxTransfer], rig.ReadByDma(rig.Base, QemuEduDevice.MaxTransfer));
        Assert.Equal(Page, rig.Ioas.Unmap(rig.Base, Page));
        rig.AssertNothingLeft();
    }

    [Fact]
    public void Huge_pages_is_on_by_default_and_round_trips()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, ioas_option_huge_pages)
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        Assert.True(ioas.HugePages);
        ioas.HugePages = false;
        Assert.False(ioas.HugePages);
        ioas.HugePages = true;
        Assert.True(ioas.HugePages);
    }

    [Fact]
    public void With_a_device_attached_a_map_pins_its_pages_and_unmap_releases_them()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // What makes the bad-input tests' "nothing pinned" check mean something: VmPin moves with iommufd pins.
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(16 * (long)Page);
        var before = ProcessState.PinnedKiB();

        rig.Ioas.Map(rig.Base, buffer, DmaAccess.Read);
        Assert.Equal(before + 16 * (long)Page / 1024, ProcessState.PinnedKiB());

        rig.Ioas.Unmap(rig.Base, buffer);
        Assert.Equal(before, ProcessState.PinnedKiB());
        rig.AssertNothingLeft();
    }

    [Fact]
    public void With_no_device_attached_a_map_pins_nothing_and_takes_a_misaligned_iova_and_unmapped_memory()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // Measured: no device means IOVA alignment 1 and lazy pinning, so bad input is accepted here
        // and only fails when a device attaches (selftest: iommufd_ioas fixture without mock domains, iova_ranges
        // "out_iova_alignment == 1"). The bad-input tests therefore attach the edu device.
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var hole = UserMemory.WithHole(4 * (long)Page, unmappedTail: 4 * (long)Page);
        var before = ProcessState.PinnedKiB();
        Assert.Equal(1UL, ioas.GetIovaRanges().Alignment);

        ioas.Map(0x100000 + 512, hole.Address, 4 * Page, DmaAccess.ReadWrite);

        Assert.Equal(before, ProcessState.PinnedKiB());
        Assert.Equal(4 * Page, ioas.UnmapAll());
    }
}
