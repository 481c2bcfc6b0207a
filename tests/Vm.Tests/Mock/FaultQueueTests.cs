using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Mock;

/// <summary>The fault queue's reader on the selftest mock (iommufd.c TEST_F(iommufd_viommu, viommu_alloc_nested_iopf) and
/// iommufd_utils.h _test_cmd_trigger_iopf): IOMMU_TEST_OP_TRIGGER_IOPF raises a fault on the nested HWPT the device is
/// attached to, the reader yields it as a group with the triggered address, PASID, group id and permissions, and the
/// response echoing its cookie completes it (a second response to that cookie is refused: nothing is pending).</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it
public sealed class FaultQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const uint ReadWrite = (uint)(iommu_hwpt_pgfault_perm.IOMMU_PGFAULT_PERM_READ | iommu_hwpt_pgfault_perm.IOMMU_PGFAULT_PERM_WRITE);
    private const uint LastPage = (uint)iommu_hwpt_pgfault_flags.IOMMU_PGFAULT_FLAGS_LAST_PAGE;
    private const uint PasidValid = (uint)iommu_hwpt_pgfault_flags.IOMMU_PGFAULT_FLAGS_PASID_VALID;

    private sealed class Setup : IDisposable
    {
        public MockViommu Viommu { get; } = new();
        public FaultQueue Faults { get; }

        public Setup()
        {
            Faults = FaultQueue.Allocate(Viommu.Iommu);
            Viommu.AttachNested(Faults);
        }

        public uint DeviceId => Viommu.Mock.Device.IdevId;

        public void Trigger(ulong address, uint pasid = 1, uint group = 2) => SelftestMock.TriggerIopf(Viommu.Iommu, DeviceId, pasid, group, ReadWrite, address);

        public void Dispose()
        {
            Viommu.Dispose(); // detaches the device first: the HWPT then lets go of the queue
            Faults.Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task A_triggered_fault_reads_as_one_group_with_its_address_pasid_and_flags_and_the_response_completes_it()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup();
        setup.Trigger(0xdeadbeaf, pasid: 0x1, group: 0x2);

        var group = await setup.Faults.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, group.Count);
        var fault = group.Faults[0];
        Assert.Equal(LastPage | PasidValid, (uint)fault.Flags);
        Assert.Equal(setup.DeviceId, fault.DeviceId);
        Assert.Equal(setup.DeviceId, group.DeviceId);
        Assert.Equal(0x1u, fault.Pasid);
        Assert.Equal(0x2u, fault.GroupId);
        Assert.Equal(ReadWrite, (uint)fault.Permissions);
        Assert.Equal(0xdeadbeafUL, fault.Address);
        Assert.Equal(fault.Cookie, group.Cookie);
        setup.Faults.Respond(group, PageResponseCode.Success);
        // the group was answered: its cookie is no longer pending
        var again = KernelAssert.Fails("write", Errno.EINVAL, () => setup.Faults.Respond(group, PageResponseCode.Success));
        Assert.Contains($"cookie {group.Cookie}", again.Message);
        Assert.False(setup.Faults.TryRead(out _));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task Faults_without_a_pasid_come_in_order_as_separate_groups_each_answered_by_its_cookie()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup();
        for (var i = 0u; i < 5; i++) setup.Trigger(0x100000 + i * 0x1000, pasid: 0, group: i);

        var seen = new List<(ulong Address, uint Group, uint Flags, uint Cookie)>();
        await foreach (var group in setup.Faults.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            Assert.Equal(1, group.Count); // the mock raises single-fault groups (LAST_PAGE on each)
            var fault = group.Faults[0];
            seen.Add((fault.Address, fault.GroupId, (uint)fault.Flags, group.Cookie));
            await setup.Faults.RespondAsync(group, PageResponseCode.Invalid);
            if (seen.Count == 5)
            {
                // answered already: the write is refused and the task carries the error
                var again = await Assert.ThrowsAsync<IommuException>(
                    async () => await setup.Faults.RespondAsync(group, PageResponseCode.Invalid));
                Assert.Equal(Errno.EINVAL, again.Errno);
                break;
            }
        }

        Assert.Equal([0x100000UL, 0x101000, 0x102000, 0x103000, 0x104000], seen.Select(s => s.Address));
        Assert.Equal([0u, 1, 2, 3, 4], seen.Select(s => s.Group));
        Assert.All(seen, s => Assert.Equal(LastPage, s.Flags)); // PASID 0 is IOMMU_NO_PASID: no PASID_VALID
        Assert.Equal(5, seen.Select(s => s.Cookie).Distinct().Count());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task A_pending_read_completes_when_a_fault_arrives()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup();
        var read = setup.Faults.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted);

        setup.Trigger(0x200000);

        var group = await read.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(0x200000UL, group.Faults[0].Address);
        setup.Faults.Respond(group, PageResponseCode.Success);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task A_cancelled_read_throws_and_the_queue_reads_on()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => setup.Faults.ReadAsync(cancel.Token).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken));

        setup.Trigger(0x300000);
        var group = await setup.Faults.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(0x300000UL, group.Faults[0].Address);
        setup.Faults.Respond(group, PageResponseCode.Success);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public async Task Disposing_the_queue_while_a_read_waits_completes_it_and_destroys_the_queue()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        var viommu = new MockViommu();
        var faults = FaultQueue.Allocate(viommu.Iommu); // no HWPT uses it, so it can go while the fixture stays
        var enumeration = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var _ in faults.ReadAllAsync(TestContext.Current.CancellationToken)) count++;
            return count;
        });
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(enumeration.IsCompleted);

        faults.Dispose();

        Assert.Equal(0, await enumeration.WaitAsync(Patience, TestContext.Current.CancellationToken)); // ended, not thrown
        Assert.False(await faults.WaitToReadAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => faults.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken));
        KernelAssert.Errno(Errno.ENOENT, viommu.Iommu.TryDestroy(faults.Id, out var destroyErrno), destroyErrno); // the file closed, so the kernel object went
        viommu.Dispose();
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Reading_and_answering_faults_allocates_nothing_after_warm_up()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var setup = new Setup();
        const int Faults = 64;
        void Trigger()
        {
            for (var i = 0; i < Faults; i++) setup.Trigger(0x400000 + (ulong)i * 0x1000);
        }
        int ReadAndAnswer() // measured: the trigger builds its error context eagerly, so it stays outside
        {
            var answered = 0;
            while (setup.Faults.TryRead(out var group))
            {
                setup.Faults.Respond(group, PageResponseCode.Success);
                answered++;
            }
            return answered;
        }
        Trigger();
        Assert.Equal(Faults, ReadAndAnswer()); // warm-up: JIT, the buffer at its size

        Trigger();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var answered = ReadAndAnswer();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Faults, answered);
        Assert.Equal(0, allocated);
    }
}
