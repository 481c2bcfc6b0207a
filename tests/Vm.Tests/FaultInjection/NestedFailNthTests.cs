using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;
using Vm.Tests.Mock;

namespace Vm.Tests.FaultInjection;

/// <summary>Fail-nth sweeps (iommufd_fail_nth.c's loop) over the nested vIOMMU runtime on the selftest mock: at every
/// allocation the kernel makes, failed in turn, the call fails with an IommuException naming the call and its errno, or
/// the kernel absorbs it; afterwards nothing is lost or stuck — a fault group the read could not hand out is read and
/// answered next, an event the kernel could not queue shows up as the reader's lost-events item and the queue reads on,
/// an invalidation that failed applied nothing and applies all once retried — and the kernel log has no splat.</summary>
[Collection(FailNthCollection.Name)]
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it
public sealed class NestedFailNthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private sealed class Faults : IDisposable
    {
        public MockViommu Viommu { get; } = new();
        public FaultQueue Queue { get; }
        public bool Answered { get; set; }

        public Faults()
        {
            Queue = FaultQueue.Allocate(Viommu.Iommu);
            Viommu.AttachNested(Queue);
            SelftestMock.TriggerIopf(Viommu.Iommu, Viommu.Mock.Device.IdevId, 0, 1, (uint)iommu_hwpt_pgfault_perm.IOMMU_PGFAULT_PERM_READ, 0x123000);
        }

        public void Dispose()
        {
            Viommu.Dispose();
            Queue.Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_and_answering_a_fault_group_loses_nothing_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        var result = FailNthSweep.Run(
            () => new Faults(),
            faults =>
            {
                Assert.True(faults.Queue.TryRead(out var group));
                faults.Queue.Respond(group, PageResponseCode.Success);
                faults.Answered = true;
            },
            (faults, error) =>
            {
                if (error is not null)
                {
                    var failure = Assert.IsType<IommuException>(error);
                    Assert.Contains(failure.Operation, new[] { "read", "write" });
                }
                if (!faults.Answered)
                {
                    // the kernel put the group back: it is read and answered now
                    var group = faults.Queue.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience).GetAwaiter().GetResult();
                    Assert.Equal(0x123000UL, group.Faults[0].Address);
                    faults.Queue.Respond(group, PageResponseCode.Success);
                }
                Assert.False(faults.Queue.TryRead(out _));
            });

        // the read's one injection point (the cookie's xa_alloc) is absorbed by the kernel: nothing to fail, nothing lost
        TestContext.Current.TestOutputHelper?.WriteLine($"FaultQueue read + respond: {result}");
        Assert.Empty(KernelLog.Splats(result.KernelLog));
        Assert.True(result.InjectionPoints > 0, "the read and the response reached no injection point: nothing was tested");
    }

    private sealed class Events : IDisposable
    {
        public MockViommu Viommu { get; } = new();
        public VeventQueue Queue { get; }

        public Events()
        {
            Queue = VeventQueue.Allocate(Viommu.Viommu, SelftestConstants.IOMMU_VEVENTQ_TYPE_SELFTEST, 8, iommu_viommu_event_selftest.NativeSize);
            Viommu.AttachNested();
        }

        public void Trigger() => SelftestMock.TriggerVevent(Viommu.Iommu, Viommu.Mock.Device.IdevId);

        public void Dispose()
        {
            Viommu.Dispose();
            Queue.Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void An_event_the_kernel_cannot_queue_reads_as_lost_and_the_queue_reads_on_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        var result = FailNthSweep.Run(
            () => new Events(),
            events =>
            {
                events.Trigger();
                Assert.True(events.Queue.TryRead(out var item));
                Assert.False(item.IsLost);
            },
            (events, error) =>
            {
                var items = new List<Vevent>();
                if (error is not null)
                {
                    Assert.IsType<IommuException>(error);
                    while (events.Queue.TryRead(out var item)) items.Add(item);
                }
                events.Trigger(); // the queue goes on
                Assert.True(events.Queue.TryRead(out var next));
                items.Add(next);
                if (error is null)
                {
                    Assert.Equal(1u, next.Sequence);
                    return;
                }
                // a trigger whose event could not be allocated (ENOMEM) is queued as a loss, read before the next event;
                // one that failed earlier (looking the device up) queued nothing: the next event is the first
                var failure = (IommuException)error;
                var described = $"after a failed trigger ({failure.ErrnoName}) the reader yielded {string.Join(", ", items)}";
                Assert.Equal("IOMMU_TEST_CMD", failure.Operation);
                Assert.True(failure.Errno == Errno.ENOMEM ? items.Count == 2 && items[0].IsLost && items[0].Sequence == 0 && items[1].Sequence == 1
                    : items.Count == 1 && items[0].Sequence == 0, described);
                Assert.False(items[^1].IsLost, described);
            });

        FailNthTests.Report("vEVENT trigger + read", result);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_batched_viommu_invalidation_applies_nothing_when_it_fails_and_all_when_retried_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        var type = (InvalidationDataType)SelftestConstants.IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;
        iommu_viommu_invalidate_selftest[] entries = [.. Enumerable.Range(0, 4).Select(i => new iommu_viommu_invalidate_selftest { vdev_id = (uint)MockViommu.VirtualId, cache_id = (uint)i })];
        var result = FailNthSweep.Run(
            () =>
            {
                var viommu = new MockViommu();
                viommu.AttachNested();
                return viommu;
            },
            viommu => Assert.Equal(4u, viommu.Viommu.Invalidate(type, entries.AsSpan())),
            (viommu, error) =>
            {
                var cache = Enumerable.Range(0, 4).Select(_ => (uint)SelftestConstants.IOMMU_TEST_DEV_CACHE_DEFAULT).ToArray();
                if (error is not null)
                {
                    var failure = Assert.IsType<IommuException>(error);
                    Assert.Equal(nameof(Ioctls.IOMMU_HWPT_INVALIDATE), failure.Operation);
                    Assert.Contains("0 of 4 entries were handled, entry 0 was refused", failure.Message);
                    for (var id = 0u; id < 4; id++) SelftestMock.CheckDeviceCache(viommu.Iommu, viommu.Mock.Device.IdevId, id, cache[id]);
                    Assert.Equal(4u, viommu.Viommu.Invalidate(type, entries.AsSpan()));
                }
                for (var id = 0u; id < 4; id++) SelftestMock.CheckDeviceCache(viommu.Iommu, viommu.Mock.Device.IdevId, id, 0);
            });

        FailNthTests.Report("Viommu.Invalidate (4 entries)", result);
    }
}
