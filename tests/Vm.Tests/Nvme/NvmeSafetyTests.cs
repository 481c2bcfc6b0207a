using Linux.Iommu;
using Linux.Iommu.Nvme;
using Vm.Tests.FaultInjection;
using Vm.Tests.Runtime;

namespace Vm.Tests.Nvme;

/// <summary>What the driver and the kit guarantee when things go wrong, on QEMU's NVMe controller: a buffer with a command
/// outstanding cannot be unmapped or freed; a read into memory unmapped behind the driver's back faults in the IOMMU (QEMU
/// completes it regardless), and one whose PRP list is unmapped fails with the command named (no hang); a controller that can no longer post completions (its CQ unmapped:
/// QEMU sets CSTS.CFS) times out naming the command, and after dispose nothing stays mapped or pinned.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class NvmeSafetyTests
{
    private const ulong Lba = 4096;

    [Fact]
    [Trait("Category", "Vm")]
    public void A_buffer_with_a_command_outstanding_cannot_be_unmapped_and_its_free_waits_for_the_completion()
    {
        using var session = NvmeSession.Open();
        using var nvme = NvmeController.Open(session.Device, session.Space);
        var buffer = DmaBuffer.Allocate(4096);
        session.Space.Map(buffer, DmaAccess.ReadWrite);
        var cid = nvme.SubmitRead(Lba, 8, buffer);

        var refused = Assert.Throws<InvalidOperationException>(() => session.Space.Unmap(buffer));
        Assert.Contains("1 I/O in flight", refused.Message);
        buffer.Dispose();
        Assert.True(buffer.IsFreePending, "the buffer was freed while the controller may still write it");

        nvme.Wait(cid);
        session.Space.Unmap(buffer);
        Assert.False(buffer.IsFreePending);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_read_into_a_buffer_unmapped_behind_the_driver_is_blocked_by_the_IOMMU_and_QEMU_still_completes_it()
    {
        using var session = NvmeSession.Open();
        using var nvme = NvmeController.Open(session.Device, session.Space);
        using var buffer = DmaBuffer.Allocate(4096);
        var iova = session.Space.Map(buffer, DmaAccess.ReadWrite);
        using var log = KernelLog.FromNow();
        session.Mapper.Unmap(iova, 4096); // behind the DmaSpace's back: it still translates the buffer to iova
        buffer.Span.Fill(0xEE); // the LBAs read hold zeros (a fresh sparse image): a DMA that got through would show

        // QEMU's DMA helpers move a blocked write through a bounce buffer and drop it without an error, so the command
        // completes successfully: the IOMMU's fault record is the only report of it (measured with QEMU 10.0.2)
        nvme.Read(Lba, 8, buffer);
        Assert.True(buffer.Span.IndexOfAnyExcept((byte)0xEE) < 0, "the DMA reached the buffer after its mapping was removed");
        // the guest's DMAR driver logs the fault unless QEMU's VT-d compressed it into a pending one: shown, not required
        Console.WriteLine($"nvme unmapped read, kernel log: {string.Join(" | ", WaitForFaults(log, iova))}");
        session.Space.Unmap(buffer); // the kit's books: the kernel's ENOENT for the mapping already gone is accepted
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_read_whose_PRP_list_is_unmapped_behind_the_driver_fails_naming_the_command_and_the_controller_goes_on()
    {
        using var session = NvmeSession.Open();
        using var nvme = NvmeController.Open(session.Device, session.Space);
        using var buffer = DmaBuffer.Allocate(16384); // 4 pages: PRP2 points to the command's PRP list
        buffer.Span.Fill(0xEE);
        var (lists, length) = nvme.IoPrpLists;
        using var log = KernelLog.FromNow();
        session.Mapper.Unmap(lists, length);

        var error = Assert.Throws<NvmeStatusException>(() => nvme.Read(Lba, 32, buffer));
        Console.WriteLine($"nvme unmapped PRP list: {error.Message}");
        Assert.StartsWith("Read (opcode 0x02, cid ", error.Message);
        Assert.Contains("I/O queue 1, LBA 0x1000, 32 blocks", error.Message);
        Assert.Equal(0, error.Status.CodeType);
        Assert.Equal(0x04, error.Status.Code); // Data Transfer Error: the controller could not read the PRP list
        Assert.True(buffer.Span.IndexOfAnyExcept((byte)0xEE) < 0, "a failed read wrote the buffer");
        Console.WriteLine($"nvme unmapped PRP list, kernel log: {string.Join(" | ", WaitForFaults(log, lists))}");

        nvme.Read(Lba, 8, buffer); // one page needs no PRP list: the controller still works
    }

    /// <summary>The guest's DMAR fault lines naming the page of <paramref name="iova"/> (the fault interrupt is handled
    /// asynchronously: wait a little).</summary>
    private static List<string> WaitForFaults(KernelLog log, ulong iova)
    {
        var page = $"fault addr 0x{iova & ~0xfffUL:x}";
        var seen = new List<string>();
        for (var i = 0; i < 50 && !seen.Any(l => l.Contains(page, StringComparison.Ordinal)); i++)
        {
            seen.AddRange(log.Read().Where(l => l.Contains("DMAR", StringComparison.Ordinal)));
            Thread.Sleep(20);
        }
        return seen.Where(l => l.Contains(page, StringComparison.Ordinal)).ToList();
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_controller_that_cannot_post_completions_times_out_naming_the_command_and_dispose_leaves_nothing_mapped_or_pinned()
    {
        using var session = NvmeSession.Open(cacheCapacity: 4);
        var pinnedBefore = ProcessState.PinnedKiB(session.Backend);
        var nvme = NvmeController.Open(session.Device, session.Space, commandTimeout: TimeSpan.FromSeconds(3));
        using var buffer = DmaBuffer.Allocate(4096);
        nvme.Read(Lba, 8, buffer); // one cached ephemeral mapping too
        Assert.True(ProcessState.PinnedKiB(session.Backend) > pinnedBefore, $"mapping pinned nothing: {session.Backend}'s pin counter cannot show a leak");

        session.Mapper.Unmap(nvme.IoCompletionQueueIova, 4096); // the controller's next completion cannot be written
        var error = Assert.Throws<NvmeTimeoutException>(() => nvme.Read(Lba, 8, buffer));
        Console.WriteLine($"nvme timeout: {error.Message}");
        Assert.StartsWith("Read (opcode 0x02", error.Message);
        Assert.True(error.ControllerFatal, "QEMU sets CSTS.CFS when it cannot write a completion");
        Assert.Throws<InvalidOperationException>(() => nvme.Read(Lba, 8, buffer)); // failed: not used again

        nvme.Dispose();
        session.Space.Dispose();
        Assert.Equal(0, session.Space.Mappings);
        Assert.Equal(0UL, session.Devices.UnmapAll());
        Assert.Equal(pinnedBefore, ProcessState.PinnedKiB(session.Backend));
        Assert.Equal(0, buffer.Mappings);
    }
}
