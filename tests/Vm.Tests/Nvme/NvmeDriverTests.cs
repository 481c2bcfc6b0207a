using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Native;
using Linux.Iommu.Nvme;
using Vm.Tests.Runtime;

namespace Vm.Tests.Nvme;

/// <summary>The sample NVMe driver against QEMU's NVMe controller (nvme boot: run-in-vm --nvme 64M): identify data as QEMU
/// was started, bytes written and read back through the IOMMU, the same bytes read by the guest kernel's own nvme driver
/// afterwards, both DMA backends and both IOVA modes.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class NvmeDriverTests
{
    private const ulong Lba = 2048;

    [Fact]
    [Trait("Category", "Vm")]
    public void Identify_reports_the_serial_and_size_QEMU_was_started_with()
    {
        using var session = NvmeSession.Open();
        using var nvme = NvmeController.Open(session.Device, session.Space);
        Console.WriteLine($"nvme identify: model '{nvme.Identity.ModelNumber}', serial '{nvme.Identity.SerialNumber}', firmware '{nvme.Identity.FirmwareRevision}', " +
            $"NVMe {nvme.Identity.VersionText}, MDTS {nvme.Identity.MaxDataTransferShift}, namespace 1: {nvme.Namespace.SizeInBlocks} blocks of {nvme.Namespace.BlockSize} B");
        Assert.Equal(NvmeSession.ExpectedSerial, nvme.Identity.SerialNumber);
        Assert.Equal(NvmeSession.ExpectedBytes, nvme.Namespace.SizeInBytes);
        Assert.Equal(0x1b36, nvme.Identity.VendorId); // Red Hat's PCI vendor id, which QEMU's emulated devices carry
        Assert.True(nvme.Identity.NamespaceCount >= 1);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_pattern_written_is_read_back_equal_and_the_kernel_driver_reads_the_same_bytes()
    {
        const int Blocks = 40; // 20 KiB at 512 B blocks: from an offset into the page, so PRP2 points to a PRP list
        byte[] pattern;
        using (var session = NvmeSession.Open())
        using (var nvme = NvmeController.Open(session.Device, session.Space))
        {
            var length = Blocks * nvme.Namespace.BlockSize;
            pattern = Pattern(length, 19);
            using var source = DmaBuffer.Allocate(length + 4096);
            using var target = DmaBuffer.Allocate(length + 4096);
            pattern.CopyTo(source.Span[512..]);
            target.Span.Fill(0xEE);

            nvme.Write(Lba, Blocks, source, 512);
            nvme.Read(Lba, Blocks, target, 1024);

            Assert.True(target.Span.Slice(1024, length).SequenceEqual(pattern), "the bytes read differ from those written");
            Assert.True(target.Span[..1024].IndexOfAnyExcept((byte)0xEE) < 0, "the read wrote before its buffer offset");
            var stats = session.Space.Statistics;
            Assert.True(stats.Maps >= 2 && stats.Unmaps >= 2, $"ephemeral data mappings expected: {stats}");
        }

        var block = NvmePciDevice.Find(null).BindToKernel();
        var fromKernel = KernelRead(block, Lba * 512, pattern.Length);
        Assert.True(fromKernel.AsSpan().SequenceEqual(pattern), $"{block} (the kernel's nvme driver) reads other bytes than the user-space driver wrote");
    }

    /// <summary>O_DIRECT pread through the kernel's block device: the bytes come from the disk, not a page cache.</summary>
    private static unsafe byte[] KernelRead(string device, ulong offset, int length)
    {
        const int O_DIRECT = 0x4000; // x86_64 asm-generic/fcntl.h
        var fd = Posix.Open(device, Posix.O_RDWR | O_DIRECT);
        if (fd < 0) throw new IOException($"open {device} O_DIRECT: errno {Posix.LastErrno}");
        try
        {
            using var buffer = DmaBuffer.Allocate(length); // page aligned, as O_DIRECT wants
            var read = Posix.Pread(fd, (void*)buffer.Address, (nuint)length, (long)offset);
            if (read != length) throw new IOException($"pread {device} at {offset}: {read} of {length} bytes, errno {Posix.LastErrno}");
            return buffer.Span[..length].ToArray();
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Persistent_identity_mapped_buffers_carry_IO_without_any_per_IO_mapping()
    {
        using var session = NvmeSession.Open(IovaMode.Identity);
        using var nvme = NvmeController.Open(session.Device, session.Space);
        using var buffer = DmaBuffer.Allocate(8192);
        Assert.Equal((ulong)buffer.Address, session.Space.Map(buffer, DmaAccess.ReadWrite)); // IOVA = VA
        var pattern = Pattern(8192, 7);
        pattern.CopyTo(buffer.Span);
        var mapsBefore = session.Space.Statistics.Maps;
        nvme.Write(Lba + 64, 16, buffer);
        buffer.Span.Clear();
        nvme.Read(Lba + 64, 16, buffer);
        Assert.True(buffer.Span.SequenceEqual(pattern));
        Assert.Equal(mapsBefore, session.Space.Statistics.Maps);
        session.Space.Unmap(buffer);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_driver_runs_on_a_legacy_type1_container_too()
    {
        using var session = NvmeSession.Open(cacheCapacity: 4, backend: IommuBackend.Type1);
        var (device, space, container) = (session.Device, session.Space, session.Devices.Container!);
        Assert.DoesNotContain(space.UsableRanges, r => r.Contains(0xfee00000, 1)); // VT-d's MSI window is reserved
        using (var nvme = NvmeController.Open(device, space))
        {
            using var buffer = DmaBuffer.Allocate(4096);
            var pattern = Pattern(4096, 3);
            pattern.CopyTo(buffer.Span);
            nvme.Write(Lba + 128, 8, buffer);
            buffer.Span.Clear();
            nvme.Read(Lba + 128, 8, buffer);
            Assert.True(buffer.Span.SequenceEqual(pattern));
            Assert.True(space.Statistics.Hits >= 1, $"the cached mapping should serve the read: {space.Statistics}");
        }
        space.DropCache();
        Assert.Equal(0UL, container.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void IOVA_ranges_reread_after_attach_exclude_the_reserved_window_and_the_allocator_never_uses_it()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var pci = NvmePciDevice.Find(null);
        var cdev = pci.BindToVfio();
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var space = DmaSpace.Create(ioas);
        Assert.Contains(space.UsableRanges, r => r.Contains(0xfee00000, 1)); // nothing attached: all of it
        using var device = VfioDevice.Open(cdev);
        device.BindIommufd(iommu);
        device.Attach(ioas.Id);
        space.RefreshIovaRanges();
        Console.WriteLine($"nvme IOAS ranges after attach: {string.Join(", ", space.UsableRanges)}");

        AssertTheAllocatorAvoidsTheReservedWindow(ioas, space.UsableRanges);
        Assert.Equal(0UL, ioas.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_type1_containers_IOVA_ranges_exclude_the_reserved_window_and_the_allocator_never_uses_it()
    {
        using var session = NvmeSession.Open(backend: IommuBackend.Type1);
        Console.WriteLine($"nvme container ranges: {string.Join(", ", session.Space.UsableRanges)}");

        AssertTheAllocatorAvoidsTheReservedWindow(session.Mapper, session.Space.UsableRanges);
        Assert.Equal(0UL, session.Devices.UnmapAll());
    }

    /// <summary>VT-d's MSI window [0xfee00000, 0xfeefffff] is not among <paramref name="ranges"/> and is real: the kernel
    /// refuses a mapping there. An allocator over the ranges below 4 GiB, filled with 16 MiB pieces: none touches the
    /// window, and the kernel accepts a mapping at the first and the last page of every piece.</summary>
    private static void AssertTheAllocatorAvoidsTheReservedWindow(IDmaMapper mapper, IReadOnlyList<IovaRange> ranges)
    {
        Assert.DoesNotContain(ranges, r => r.Contains(0xfee00000, 1));
        using var page = DmaBuffer.Allocate(4096);
        Assert.False(mapper.TryMap(0xfee00000, page.Address, 4096, DmaAccess.Read, out _), "the kernel mapped inside the reserved MSI window");
        var below4G = ranges.Where(r => r.Start < 1UL << 32).Select(r => new IovaRange(r.Start, Math.Min(r.Last, (1UL << 32) - 1))).ToArray();
        var allocator = new IovaAllocator(below4G, 4096);
        var pieces = new List<ulong>();
        while (allocator.TryAllocate(16 << 20, out var iova)) pieces.Add(iova);
        Console.WriteLine($"nvme: {pieces.Count} pieces of 16 MiB below 4 GiB");
        Assert.InRange(pieces.Count, 250, 256);
        foreach (var iova in pieces)
        {
            Assert.False(iova < 0xfef00000 && iova + (16 << 20) > 0xfee00000, $"piece at 0x{iova:x} overlaps the reserved window");
            foreach (var at in new[] { iova, iova + (16 << 20) - 4096 })
            {
                mapper.Map(at, page.Address, 4096, DmaAccess.Read);
                mapper.Unmap(at, 4096);
            }
        }
    }
}
