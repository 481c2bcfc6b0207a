using System.Diagnostics;
using System.Runtime.CompilerServices;
using Linux.Iommu.Native;
using Linux.Iommu.Polling;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.DriverKit;

/// <summary>One vector of <see cref="DeviceInterrupts"/>: the eventfd VFIO signals each time the device raises it. The
/// eventfd counts: interrupts that arrive before anyone takes them coalesce into one count, which <see cref="TryTake"/>
/// and <see cref="WaitAsync"/> return (and reset). An asynchronous wait goes through the runtime's one poll thread, the
/// one the iommufd event queues use; a synchronous <see cref="Wait"/> sleeps in poll(2) on the eventfd in its own thread.
/// One waiter at a time.</summary>
public sealed class InterruptVector
{
    private readonly SafeFileHandle _eventFd;
    private readonly ReadinessWaiter _waiter;
    private readonly string _name;
    private long _taken;

    internal InterruptVector(VfioIrqIndex index, int number, SafeFileHandle eventFd, string device)
    {
        Number = number;
        _eventFd = eventFd;
        _name = $"{VfioIrqInfo.Name(index)} vector {number} of {device}";
        _waiter = new ReadinessWaiter((int)eventFd.DangerousGetHandle(), _name);
    }

    /// <summary>The vector's number within its index (an NVMe completion queue's IV, an MSI-X table entry).</summary>
    public int Number { get; }

    /// <summary>Interrupts taken so far (the sum of what <see cref="TryTake"/> and <see cref="WaitAsync"/> returned).</summary>
    public long Taken => Volatile.Read(ref _taken);

    internal int Fd => (int)_eventFd.DangerousGetHandle();

    /// <summary>Takes the interrupts that arrived since the last take without waiting: true with their count (coalesced
    /// by the eventfd), false when none arrived or the vector is disposed.</summary>
    /// <exception cref="IommuException">read(2) of the eventfd failed other than with EAGAIN (nothing there).</exception>
    public unsafe bool TryTake(out ulong count)
    {
        count = 0;
        if (_waiter.IsClosed) return false;
        FdLease lease;
        try
        {
            lease = new FdLease(_eventFd, _name);
        }
        catch (ObjectDisposedException)
        {
            return false; // disposed by another thread after the check
        }
        using (lease)
        {
            ulong value;
            if (EventSyscalls.Read(lease.Fd, &value, sizeof(ulong)) != sizeof(ulong))
            {
                var errno = EventSyscalls.LastErrno;
                if (errno == Errno.EAGAIN) return false;
                IommuException.Throw("read", errno, $"the eventfd of {_name}");
            }
            count = value;
        }
        Interlocked.Add(ref _taken, (long)count);
        return true;
    }

    /// <summary>Waits for the vector's next interrupt (or takes those already there): the count since the last take.
    /// Completes synchronously when one is pending; otherwise the poll thread wakes it, and its continuation runs on the
    /// thread pool. Give a timeout through <paramref name="cancellationToken"/>: a device that never interrupts then fails
    /// the wait instead of hanging it.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the vector stays usable.</exception>
    /// <exception cref="ObjectDisposedException">The interrupts were disposed (also while waiting).</exception>
    /// <exception cref="InvalidOperationException">Another wait on this vector is pending.</exception>
    public ValueTask<ulong> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (TryTake(out var count)) return new ValueTask<ulong>(count);
        return _waiter.IsClosed ? ValueTask.FromException<ulong>(new ObjectDisposedException(_name)) : WaitForReadableAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ulong> WaitForReadableAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await _waiter.WaitAsync(cancellationToken).ConfigureAwait(false)) throw new ObjectDisposedException(_name);
            if (TryTake(out var count)) return count;
        }
    }

    /// <summary>Blocks the calling thread until the vector's next interrupt (or takes those already there): true with the
    /// count since the last take, false when <paramref name="timeout"/> passed first. For a driver whose caller is
    /// synchronous: the thread sleeps in poll(2) on the eventfd itself, so an interrupt wakes it directly — no poll-thread
    /// and thread-pool hop, and no thread spinning while it waits (bench/results/nvme: what that costs in CPU). Allocates
    /// nothing. A wait of either kind at a time.</summary>
    /// <exception cref="ObjectDisposedException">The interrupts were disposed (also while waiting).</exception>
    /// <exception cref="IommuException">poll(2) failed, or reported the eventfd in error.</exception>
    public unsafe bool Wait(TimeSpan timeout, out ulong count)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (TryTake(out count)) return true;
            ObjectDisposedException.ThrowIf(_waiter.IsClosed, this);
            var remaining = timeout - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero) return false;
            using var lease = new FdLease(_eventFd, _name); // Close wakes this poll by signalling the eventfd (see Close)
            var fd = new EventSyscalls.PollFd { Fd = lease.Fd, Events = EventSyscalls.POLLIN };
            var milliseconds = (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalMilliseconds));
            if (EventSyscalls.Poll(&fd, 1, milliseconds) < 0 && EventSyscalls.LastErrno is var errno && errno != Errno.EINTR)
                IommuException.Throw("poll", errno, $"the eventfd of {_name}");
            if ((fd.ReturnedEvents & (EventSyscalls.POLLERR | EventSyscalls.POLLNVAL)) != 0)
                IommuException.Throw("poll", Errno.EIO, $"the eventfd of {_name} reports events 0x{fd.ReturnedEvents:x}");
        }
    }

    /// <summary>Ends a pending wait (it throws <see cref="ObjectDisposedException"/>), takes the eventfd out of the poll set
    /// and closes it.</summary>
    internal unsafe void Close()
    {
        _waiter.Close();
        // Wakes a synchronous waiter blocked in poll(2) on the eventfd (closing a descriptor does not): it sees the
        // vector closed before it would take the count, and TryTake ignores a closed vector's count.
        try
        {
            using var lease = new FdLease(_eventFd, _name);
            ulong one = 1;
            _ = EventSyscalls.Write(lease.Fd, &one, sizeof(ulong)); // EAGAIN (the counter full) also wakes it
        }
        catch (ObjectDisposedException)
        {
        }
        _eventFd.Dispose();
    }

    /// <summary>What the vector is, for messages.</summary>
    public override string ToString() => _name;
}
