using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>The event-queue readers' own logic, on a pipe instead of the kernel's queue file (the VM tier reads the real
/// queues: Vm.Tests.Mock.FaultQueueTests, VeventQueueTests): fault records grouped up to the one flagged LAST_PAGE (the
/// selftest mock raises only single-record groups), vEVENT sequence gaps and the lost-events header, the sequence
/// wrapping at INT_MAX, and waiting, cancelling and disposing through the poll thread.</summary>
public sealed partial class EventQueueReaderTests
{
    private const uint LastPage = (uint)iommu_hwpt_pgfault_flags.IOMMU_PGFAULT_FLAGS_LAST_PAGE;
    private const uint LostEvents = (uint)iommu_veventq_flag.IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static unsafe partial class Libc
    {
        [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
        public static partial int Pipe2(int* fds, int flags);

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        public static partial nint Write(int fd, void* data, nuint count);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);
    }

    /// <summary>A pipe whose read end a queue reads (non-blocking: an empty pipe answers EAGAIN, which the reader takes as
    /// the kernel queue's empty read of 0 bytes), an iommufd stand-in (/dev/null: nothing here is a kernel object).</summary>
    private sealed unsafe class Pipe : IDisposable
    {
        private readonly int _write;
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _null = File.OpenHandle("/dev/null");

        public Pipe()
        {
            var fds = stackalloc int[2];
            Assert.Equal(0, Libc.Pipe2(fds, 0x800 | 0x80000)); // O_NONBLOCK | O_CLOEXEC
            ReadEnd = fds[0];
            _write = fds[1];
            Iommu = IommuFd.FromDescriptor(_null.DangerousGetHandle().ToInt32(), ownsDescriptor: false);
        }

        public int ReadEnd { get; }
        public IommuFd Iommu { get; }

        public void Send<T>(params T[] records) where T : unmanaged
        {
            var bytes = MemoryMarshal.AsBytes(records.AsSpan());
            fixed (byte* data = bytes) Assert.Equal(bytes.Length, (int)Libc.Write(_write, data, (nuint)bytes.Length));
        }

        public void Dispose()
        {
            Libc.Close(_write);
            Iommu.Dispose();
            _null.Dispose();
        }
    }

    private static iommu_hwpt_pgfault Fault(ulong address, uint flags, uint cookie) => new() { addr = address, flags = flags, cookie = cookie, dev_id = 7 };

    [Fact]
    public void Fault_records_are_grouped_up_to_the_one_flagged_last_page()
    {
        using var pipe = new Pipe();
        using var queue = new FaultQueue(pipe.Iommu, 1, pipe.ReadEnd);
        pipe.Send(Fault(0x1000, 0, 5), Fault(0x2000, 0, 5), Fault(0x3000, LastPage, 5), Fault(0x9000, LastPage, 6));

        Assert.True(queue.TryRead(out var first));
        Assert.Equal(3, first.Count);
        Assert.Equal(5u, first.Cookie);
        Assert.Equal(7u, first.DeviceId);
        Assert.Equal([0x1000UL, 0x2000, 0x3000], first.Faults.ToArray().Select(f => f.Address));
        Assert.True(queue.TryRead(out var second));
        Assert.Equal(1, second.Count);
        Assert.Equal(6u, second.Cookie);
        Assert.False(queue.TryRead(out _));
    }

    private static byte[] Vevents(params (uint Flags, uint Sequence, uint Data)[] events)
    {
        var bytes = new List<byte>();
        foreach (var (flags, sequence, data) in events)
        {
            bytes.AddRange(BitConverter.GetBytes(flags));
            bytes.AddRange(BitConverter.GetBytes(sequence));
            if ((flags & LostEvents) == 0) bytes.AddRange(BitConverter.GetBytes(data));
        }
        return [.. bytes];
    }

    private static List<string> ReadAll(VeventQueue queue)
    {
        var items = new List<string>();
        while (queue.TryRead(out var item)) items.Add(item.IsLost ? $"lost {item.LostCount} from {item.Sequence}" : $"{item.Sequence}:{item.Read<uint>():x}");
        return items;
    }

    [Fact]
    public void A_sequence_jump_and_a_lost_events_header_each_yield_a_lost_item_and_the_reader_goes_on()
    {
        using var pipe = new Pipe();
        using var queue = new VeventQueue(pipe.Iommu, 1, pipe.ReadEnd, 0xbeef, eventSize: 4);
        pipe.Send(Vevents((0, 0, 0xa), (0, 3, 0xb), (LostEvents, 5, 0), (0, 6, 0xc)));

        Assert.Equal(["0:a", "lost 2 from 1", "3:b", "lost 2 from 4", "6:c"], ReadAll(queue));
    }

    [Fact]
    public void The_sequence_wraps_from_int_max_to_0_without_a_loss()
    {
        using var pipe = new Pipe();
        using var queue = new VeventQueue(pipe.Iommu, 1, pipe.ReadEnd, 0xbeef, eventSize: 4);
        pipe.Send(Vevents((0, 0, 1)));
        Assert.Equal(["0:1"], ReadAll(queue));
        pipe.Send(Vevents((0, int.MaxValue, 2), (0, 0, 3), (0, 1, 4)));

        Assert.Equal([$"lost {int.MaxValue - 1} from 1", $"{int.MaxValue}:2", "0:3", "1:4"], ReadAll(queue));
    }

    [Fact]
    public async Task A_waiting_read_completes_when_records_arrive()
    {
        using var pipe = new Pipe();
        using var queue = new FaultQueue(pipe.Iommu, 1, pipe.ReadEnd);
        var read = queue.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted);

        pipe.Send(Fault(0x5000, LastPage, 9));

        var group = await read.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(9u, group.Cookie);
    }

    [Fact]
    public async Task A_second_concurrent_wait_is_refused_and_a_cancelled_wait_leaves_the_queue_usable()
    {
        using var pipe = new Pipe();
        using var queue = new FaultQueue(pipe.Iommu, 1, pipe.ReadEnd);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var first = queue.WaitToReadAsync(cancel.Token).AsTask();

        Assert.Throws<InvalidOperationException>(() => queue.WaitToReadAsync(TestContext.Current.CancellationToken));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Patience, TestContext.Current.CancellationToken));

        pipe.Send(Fault(0x6000, LastPage, 3));
        var group = await queue.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(3u, group.Cookie);
    }

    [Fact]
    public async Task Disposing_while_a_read_waits_ends_the_enumeration_and_later_reads_say_disposed()
    {
        using var pipe = new Pipe();
        var queue = new VeventQueue(pipe.Iommu, 1, pipe.ReadEnd, 0xbeef, eventSize: 4);
        var enumeration = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var _ in queue.ReadAllAsync(TestContext.Current.CancellationToken)) count++;
            return count;
        }, TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        queue.Dispose();

        Assert.Equal(0, await enumeration.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.False(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.ReadAsync(TestContext.Current.CancellationToken).AsTask());
    }
}
