using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;
using Vm.Tests.Runtime;

namespace Vm.Tests.Nvme;

/// <summary>The sample NVMe driver on interrupts (nvme boot: QEMU's NVMe controller, which has MSI-X): vector 0 is the
/// admin queue's, vector 1 the I/O queue's (its Create I/O Completion Queue sets IEN and IV = 1); a completion raises its
/// queue's vector, awaited through the kit; a polled I/O queue raises none; hybrid and interrupt completion move the same
/// bytes as polling; disposing the controller leaves no vfio-msix handler of it in /proc/interrupts.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "nvme")]
public sealed class NvmeInterruptTests
{
    private const ulong Lba = 4096;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_IO_completion_raises_the_IO_queues_MSI_X_vector_awaited_through_the_kit()
    {
        using var session = NvmeSession.Open();
        using var buffer = DmaBuffer.Allocate(4096);
        using (var nvme = NvmeController.Open(session.Device, session.Space, ioCompletion: NvmeCompletionMode.Interrupt, adminCompletion: NvmeCompletionMode.Interrupt))
        {
            var interrupts = nvme.Interrupts!;
            Assert.Equal((VfioIrqIndex.Msix, 2), (interrupts.Index, interrupts.Count));
            Assert.True(session.Device.GetIrqInfo(VfioIrqIndex.Msix).Count >= 2);
            Assert.Equal(2, ProcessState.VfioInterrupts(session.Pci.Pci.Address).Count); // vfio-msix[0] and [1]
            interrupts[0].TryTake(out _); // what no waiter took is counted too
            Assert.True(interrupts[0].Taken > 0, "the admin commands of Open (Identify, Create I/O queues) raised no interrupt on vector 0");
            Assert.False(interrupts[1].TryTake(out var early), $"{early} I/O interrupt(s) before any I/O");

            var cid = nvme.SubmitRead(Lba, 4096 / nvme.Namespace.BlockSize, buffer);
            using var timeout = new CancellationTokenSource(Patience);
            var count = await interrupts[1].WaitAsync(timeout.Token);

            Assert.True(count >= 1);
            Assert.Equal(1, nvme.Reap()); // outstanding until taken
            Assert.True(nvme.TryTakeCompletion(cid), "the vector fired but the completion queue holds no completion of the read");
            Assert.False(interrupts[0].TryTake(out var adminStray), $"an I/O completion raised {adminStray} interrupt(s) on the admin vector");
            Console.WriteLine($"nvme interrupts: admin vector {interrupts[0].Taken} (Open's admin commands), I/O vector {interrupts[1].Taken}");
        }
        Assert.Empty(ProcessState.VfioInterrupts(session.Pci.Pci.Address));
    }

    [Fact]
    public void A_polled_IO_queue_raises_no_interrupt_beside_an_interrupt_driven_admin_queue()
    {
        using var session = NvmeSession.Open();
        using var buffer = DmaBuffer.Allocate(4096);
        using var nvme = NvmeController.Open(session.Device, session.Space, ioCompletion: NvmeCompletionMode.Polling, adminCompletion: NvmeCompletionMode.Interrupt);
        Assert.Equal((NvmeCompletionMode.Polling, NvmeCompletionMode.Interrupt), (nvme.IoCompletion, nvme.AdminCompletion));

        for (var i = 0; i < 8; i++) nvme.Read(Lba + (ulong)i * 8, 4096 / nvme.Namespace.BlockSize, buffer);
        Thread.Sleep(200);

        Assert.False(nvme.Interrupts![1].TryTake(out var stray), $"a queue created with IEN clear raised {stray} interrupt(s)");
    }

    [Theory]
    [InlineData(NvmeCompletionMode.Interrupt)]
    [InlineData(NvmeCompletionMode.Hybrid)]
    public void A_pattern_written_at_queue_depth_32_reads_back_equal(NvmeCompletionMode mode)
    {
        const int Depth = 32;
        using var session = NvmeSession.Open();
        using var nvme = NvmeController.Open(session.Device, session.Space, ioEntries: Depth + 1, ioCompletion: mode);
        var perBlock = 4096 / nvme.Namespace.BlockSize;
        var buffers = Enumerable.Range(0, Depth).Select(_ => DmaBuffer.Allocate(4096)).ToArray();
        try
        {
            var pattern = new byte[Depth * 4096];
            new Random(27).NextBytes(pattern);
            for (var i = 0; i < Depth; i++) pattern.AsSpan(i * 4096, 4096).CopyTo(buffers[i].Span);
            RunAll(nvme, Enumerable.Range(0, Depth).Select(i => nvme.SubmitWrite(Lba + (ulong)(i * perBlock), perBlock, buffers[i])).ToArray());
            foreach (var buffer in buffers) buffer.Span.Fill(0xEE);
            RunAll(nvme, Enumerable.Range(0, Depth).Select(i => nvme.SubmitRead(Lba + (ulong)(i * perBlock), perBlock, buffers[i])).ToArray());

            for (var i = 0; i < Depth; i++) Assert.True(buffers[i].Span.SequenceEqual(pattern.AsSpan(i * 4096, 4096)), $"block {i} read back differs ({mode})");
            // raised: taken by a sleeping waiter, or still counted (a waiter that found its completions at once never slept)
            nvme.Interrupts![1].TryTake(out _);
            Assert.True(nvme.Interrupts[1].Taken > 0, $"64 commands completed on a queue with IEN set and its vector counted no interrupt ({mode})");
        }
        finally
        {
            nvme.Dispose();
            foreach (var buffer in buffers) buffer.Dispose();
        }
    }

    private static void RunAll(NvmeController nvme, int[] cids)
    {
        var left = cids.ToList();
        while (left.Count > 0)
        {
            nvme.WaitForCompletions();
            left.RemoveAll(nvme.TryTakeCompletion);
        }
    }
}
