using Linux.Iommu;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>The vEVENTQ reader on the selftest mock (iommufd.c TEST_F(iommufd_viommu, vdevice_alloc)):
/// IOMMU_TEST_OP_TRIGGER_VEVENT reports an event carrying the device's virtual id; events read in sequence order, and
/// triggering more than the queue's depth yields the lost-events item (the kernel's IOMMU_VEVENTQ_FLAG_LOST_EVENTS
/// header), after which the reader goes on with the next event.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it
public sealed class VeventQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private sealed class Setup : IDisposable
    {
        public MockViommu Viommu { get; } = new();
        public VeventQueue Events { get; }

        public Setup(uint depth)
        {
            Events = VeventQueue.Allocate(Viommu.Viommu, SelftestConstants.IOMMU_VEVENTQ_TYPE_SELFTEST, depth, iommu_viommu_event_selftest.NativeSize);
            Viommu.AttachNested();
        }

        public void Trigger(int count)
        {
            for (var i = 0; i < count; i++) SelftestMock.TriggerVevent(Viommu.Iommu, Viommu.Mock.Device.IdevId);
        }

        public async Task<Vevent> Next() => await Events.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        public void Dispose()
        {
            Viommu.Dispose();
            Events.Dispose();
        }
    }

    private static void AssertEvent(Vevent item, uint sequence)
    {
        Assert.False(item.IsLost, $"expected event {sequence}, got {item}");
        Assert.Equal(sequence, item.Sequence);
        Assert.Equal((uint)MockViommu.VirtualId, item.Read<iommu_viommu_event_selftest>().virt_id);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task Triggered_events_read_in_sequence_with_the_devices_virtual_id()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup(depth: 8);
        setup.Trigger(3);

        for (var sequence = 0u; sequence < 3; sequence++) AssertEvent(await setup.Next(), sequence);
        Assert.False(setup.Events.TryRead(out _));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task More_events_than_the_depth_yield_the_lost_item_and_the_reader_goes_on()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup(depth: 2);
        setup.Trigger(3); // "Trigger an overflow with three events"

        AssertEvent(await setup.Next(), 0);
        AssertEvent(await setup.Next(), 1);
        var lost = await setup.Next();
        Assert.True(lost.IsLost, $"expected the lost-events item, got {lost}");
        Assert.Equal(2u, lost.Sequence);
        Assert.Equal(1u, lost.LostCount);

        setup.Trigger(1); // "Overflow must be gone after the previous reads"
        AssertEvent(await setup.Next(), 3);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task A_pending_read_completes_when_an_event_arrives()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup(depth: 4);
        var read = setup.Next();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted);

        setup.Trigger(1);

        AssertEvent(await read, 0);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_vevent_of_a_device_without_a_vdevice_is_refused_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var viommu = new MockViommu();
        using var events = VeventQueue.Allocate(viommu.Viommu, SelftestConstants.IOMMU_VEVENTQ_TYPE_SELFTEST, 2, iommu_viommu_event_selftest.NativeSize);

        KernelAssert.Fails("IOMMU_TEST_CMD", Linux.Iommu.Errno.ENOENT, () => SelftestMock.TriggerVevent(viommu.Iommu, viommu.Mock.Device.IdevId));
        Assert.False(events.TryRead(out _));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_events_allocates_nothing_after_warm_up()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        const int Events = 60;
        using var setup = new Setup(depth: 128);
        int ReadAll()
        {
            var read = 0;
            while (setup.Events.TryRead(out var item))
            {
                Assert.False(item.IsLost);
                read++;
            }
            return read;
        }
        setup.Trigger(Events);
        Assert.Equal(Events, ReadAll());

        setup.Trigger(Events);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = ReadAll();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Events, read);
        Assert.Equal(0, allocated);
    }
}
