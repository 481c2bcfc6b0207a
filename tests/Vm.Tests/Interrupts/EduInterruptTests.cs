using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Interrupts;

/// <summary>The driver kit's interrupts on the real kernel with QEMU's edu device, on both backends (iommufd cdev and the
/// type1 container) and both of edu's interrupts (INTx and its one MSI vector): the device's own completions —
/// a factorial, a DMA — raise the interrupt that an awaited <see cref="InterruptVector"/> receives, an automasked INTx
/// fires again only after the device is acknowledged and the vector unmasked, and disposing leaves nothing armed.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class EduInterruptTests
{
    public static TheoryData<IommuBackend, VfioIrqIndex> BackendsAndIndexes => new()
    {
        { IommuBackend.Iommufd, VfioIrqIndex.Intx },
        { IommuBackend.Iommufd, VfioIrqIndex.Msi },
        { IommuBackend.Type1, VfioIrqIndex.Intx },
        { IommuBackend.Type1, VfioIrqIndex.Msi },
    };

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void Irq_info_reports_an_automasked_INTx_one_MSI_vector_and_no_MSI_X(IommuBackend backend)
    {
        using var rig = EduSet.Open(backend);
        var device = rig.Set.Devices[0].Device;

        var intx = device.GetIrqInfo(VfioIrqIndex.Intx);
        var msi = device.GetIrqInfo(VfioIrqIndex.Msi);
        var msix = device.GetIrqInfo(VfioIrqIndex.Msix);

        Assert.Equal((1u, VfioIrqFlags.EventFd | VfioIrqFlags.Maskable | VfioIrqFlags.Automasked), (intx.Count, intx.Flags));
        Assert.Equal(1u, msi.Count); // edu.c: msi_init(pdev, 0, 1, ...)
        Assert.True(msi.SupportsEventFd && !msi.IsAutomasked, $"MSI flags {msi.Flags}");
        Assert.Equal(0u, msix.Count);
        var refused = Assert.Throws<NotSupportedException>(() => DeviceInterrupts.Enable(device, VfioIrqIndex.Msix));
        Assert.Contains("no MSI-X interrupt", refused.Message);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceInterrupts.Enable(device, VfioIrqIndex.Msi, 2));
        Assert.Contains("1 MSI vector(s)", tooMany.Message);
        Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
    }

    [Theory]
    [MemberData(nameof(BackendsAndIndexes))]
    public async Task A_factorial_finishing_raises_the_interrupt_the_vector_awaits_and_only_when_asked_to(IommuBackend backend, VfioIrqIndex index)
    {
        using var edu = new EduInterrupts(backend, index);
        Assert.Single(ProcessState.VfioInterrupts(EduInterrupts.PciAddress)); // vfio-intx(...) or vfio-msi[0](...)
        Assert.False(edu.Vector.TryTake(out _), "an interrupt arrived before the device was asked for one");

        for (var round = 1; round <= 2; round++) // the second round fires only if the first was acknowledged and unmasked
        {
            edu.Edu.StartFactorial(10, raiseInterrupt: true);
            var count = await edu.NextInterruptAsync($"factorial round {round}");
            Assert.Equal(1UL, count);
            Assert.False(edu.Edu.ComputingFactorial);
            Assert.Equal(3628800u, edu.Edu.Factorial);
            Assert.Equal(QemuEduDevice.FactorialInterrupt, edu.Edu.InterruptStatus);
            edu.Acknowledge(QemuEduDevice.FactorialInterrupt);
        }

        // the negative control: a factorial that does not ask for an interrupt raises none
        edu.Edu.StartFactorial(5, raiseInterrupt: false);
        SpinWait.SpinUntil(() => !edu.Edu.ComputingFactorial, EduInterrupts.Patience);
        Assert.Equal(120u, edu.Edu.Factorial);
        Thread.Sleep(500);
        Assert.False(edu.Vector.TryTake(out var stray), $"{stray} interrupt(s) without a cause");
        Assert.Equal(2, edu.Vector.Taken);
    }

    [Theory]
    [MemberData(nameof(BackendsAndIndexes))]
    public async Task A_DMA_finishing_raises_the_interrupt_and_its_bytes_have_landed(IommuBackend backend, VfioIrqIndex index)
    {
        using var edu = new EduInterrupts(backend, index);
        const int Length = 1024;
        using var source = DmaBuffer.Allocate((long)EduSet.Page);
        using var back = DmaBuffer.Allocate((long)EduSet.Page);
        Random.Shared.NextBytes(source.Span);
        var iova = edu.Rig.Base;
        edu.Rig.Mapper.Map(iova, source.Address, EduSet.Page, DmaAccess.Read);
        edu.Rig.Mapper.Map(iova + EduSet.Page, back.Address, EduSet.Page, DmaAccess.Write);

        edu.Edu.StartCopyToDevice(iova, Length);
        var count = await edu.NextInterruptAsync("a DMA of 1 KiB to the device");

        Assert.Equal(1UL, count);
        Assert.False(edu.Edu.DmaRunning);
        Assert.Equal(QemuEduDevice.DmaInterrupt, edu.Edu.InterruptStatus); // and nothing else: the ctor cleared the rest
        edu.Acknowledge(QemuEduDevice.DmaInterrupt);
        edu.Edu.CopyFromDevice(iova + EduSet.Page, Length); // polled: the bytes the interrupt announced are the device's
        Assert.True(back.Span[..Length].SequenceEqual(source.Span[..Length]), "the device's buffer does not hold what the DMA announced by the interrupt read");
        edu.Rig.Mapper.Unmap(iova, 2 * EduSet.Page);
        edu.Rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void Interrupts_raised_before_anyone_waits_are_counted_by_the_eventfd_none_lost_none_doubled(IommuBackend backend)
    {
        using var edu = new EduInterrupts(backend, VfioIrqIndex.Msi); // MSI: each raise is one message
        const int Raised = 3;
        var handledBefore = ProcessState.VfioInterruptsHandled(EduInterrupts.PciAddress);
        for (var i = 1; i <= Raised; i++)
        {
            edu.Edu.StartFactorial(3, raiseInterrupt: true);
            // one at a time into the kernel's handler: two messages of one vector pending at the local APIC together
            // are one interrupt (its IRR has a bit per vector), which no eventfd can count twice
            var handled = SpinWait.SpinUntil(() => ProcessState.VfioInterruptsHandled(EduInterrupts.PciAddress) == handledBefore + i, EduInterrupts.Patience);
            Assert.True(handled, $"raise {i}: the guest kernel handled {ProcessState.VfioInterruptsHandled(EduInterrupts.PciAddress) - handledBefore} interrupt(s)");
        }

        Assert.True(edu.Vector.TryTake(out var count), "the eventfd holds nothing after three interrupts were handled");
        Assert.Equal((ulong)Raised, count); // three signals, one read
        Assert.False(edu.Vector.TryTake(out _));
        edu.Acknowledge(QemuEduDevice.FactorialInterrupt);
    }

    [Theory]
    [MemberData(nameof(BackendsAndIndexes))]
    public async Task Dispose_ends_a_pending_wait_disarms_the_device_and_frees_the_index_for_another(IommuBackend backend, VfioIrqIndex index)
    {
        using var rig = EduSet.Open(backend);
        var device = rig.Set.Devices[0].Device;
        var interrupts = DeviceInterrupts.Enable(device, index);
        var other = index == VfioIrqIndex.Msi ? VfioIrqIndex.Intx : VfioIrqIndex.Msi;
        var second = Assert.Throws<InvalidOperationException>(() => DeviceInterrupts.Enable(device, other));
        Assert.Contains("enabled already", second.Message);
        var pending = interrupts[0].WaitAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(pending.IsCompleted);

        interrupts.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(EduInterrupts.Patience, TestContext.Current.CancellationToken));
        Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
        Assert.False(device.TryDisableIrqs(index, out var errno)); // the kernel has nothing enabled to disable
        Assert.Equal(Errno.EINVAL, errno);
        using (var again = DeviceInterrupts.Enable(device, other)) // vfio-pci enables another index only when none is
        {
            Assert.Single(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
        }
        Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void A_refused_SET_IRQS_names_the_ioctl_the_errno_and_the_vectors(IommuBackend backend)
    {
        using var rig = EduSet.Open(backend);
        var device = rig.Set.Devices[0].Device;

        var error = Assert.Throws<IommuException>(() => device.SetIrqEventFds(VfioIrqIndex.Msi, 0, [-1, -1]));

        Assert.Equal("VFIO_DEVICE_SET_IRQS", error.Operation);
        Assert.Equal("EINVAL", error.ErrnoName);
        Assert.Contains("MSI vectors 0..1", error.Message);
        Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
    }
}
