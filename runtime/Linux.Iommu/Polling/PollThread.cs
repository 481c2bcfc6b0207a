using Linux.Iommu.Native;
using static Linux.Iommu.Polling.EventSyscalls;

namespace Linux.Iommu.Polling;

/// <summary>One thread that waits in poll(2) for every descriptor of the process someone is waiting on: the iommufd event
/// queues (fault queue, vEVENTQ) and the eventfds VFIO signals a device's interrupts through. Why a thread: an event
/// queue's file signals records only through poll (its read never blocks: an empty queue reads 0 bytes), and .NET has
/// no asynchronous read for an arbitrary descriptor (FileStream on one blocks a pool thread per read, Socket wants a
/// socket). Why poll and not epoll: struct pollfd has one layout on every architecture (struct epoll_event is packed
/// on x86_64 only), and the set is a handful of descriptors (a queue per vIOMMU, a vector per device queue), rebuilt
/// only when a waiter starts or stops waiting. An eventfd wakes the thread for that.</summary>
internal sealed unsafe class PollThread
{
    private static readonly Lazy<PollThread> s_shared = new(() => new PollThread());

    private readonly object _gate = new();
    private readonly List<ReadinessWaiter> _armed = [];
    private readonly int _wake;
    private PollFd[] _fds = new PollFd[8];
    private ReadinessWaiter[] _polled = new ReadinessWaiter[8];
    private long _rounds;

    public static PollThread Shared => s_shared.Value;

    private PollThread()
    {
        _wake = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (_wake < 0) IommuException.Throw("eventfd", LastErrno, "the wake-up descriptor of the runtime's poll thread");
        new Thread(Run) { IsBackground = true, Name = "iommu poll" }.Start();
    }

    /// <summary>Adds <paramref name="waiter"/> to the set; the thread signals it once its file is readable.</summary>
    public void Arm(ReadinessWaiter waiter)
    {
        lock (_gate) _armed.Add(waiter);
        Wake();
    }

    /// <summary>Removes <paramref name="waiter"/> and, when the thread is inside poll with its descriptor, waits until that
    /// poll has returned: poll holds a reference to the file while it sleeps, and the file must be closable the moment this
    /// returns (an event queue cannot be destroyed while its file is open; an interrupt's eventfd is closed after it).</summary>
    public void Disarm(ReadinessWaiter waiter)
    {
        lock (_gate)
        {
            _armed.Remove(waiter);
            if (!waiter.InPoll) return;
            Wake();
            var round = _rounds;
            while (_rounds == round) Monitor.Wait(_gate);
        }
    }

    private void Wake()
    {
        ulong one = 1;
        Write(_wake, &one, sizeof(ulong)); // only fails with EAGAIN when the counter is saturated: the thread is woken anyway
    }

    private void Run()
    {
        while (true)
        {
            var count = Snapshot();
            int ready;
            fixed (PollFd* fds = _fds) ready = Poll(fds, (nuint)count, -1);
            var errno = ready < 0 ? LastErrno : 0;
            lock (_gate)
            {
                for (var i = 1; i < count; i++)
                {
                    var waiter = _polled[i - 1];
                    waiter.InPoll = false;
                    _polled[i - 1] = null!;
                    var events = _fds[i].ReturnedEvents;
                    if (events == 0 && errno is 0 or Errno.EINTR) continue;
                    _armed.Remove(waiter);
                    waiter.Signal(events, errno == Errno.EINTR ? 0 : errno);
                }
                _rounds++;
                Monitor.PulseAll(_gate);
            }
            if (_fds[0].ReturnedEvents != 0)
            {
                ulong drained;
                Read(_wake, &drained, sizeof(ulong));
            }
        }
    }

    /// <summary>Fills the pollfd array: the eventfd first, then every armed reader; returns how many entries.</summary>
    private int Snapshot()
    {
        lock (_gate)
        {
            var count = _armed.Count + 1;
            if (_fds.Length < count)
            {
                _fds = new PollFd[count * 2];
                _polled = new ReadinessWaiter[count * 2];
            }
            _fds[0] = new PollFd { Fd = _wake, Events = POLLIN };
            for (var i = 1; i < count; i++)
            {
                var waiter = _armed[i - 1];
                waiter.InPoll = true;
                _polled[i - 1] = waiter;
                _fds[i] = new PollFd { Fd = waiter.Fd, Events = POLLIN };
            }
            return count;
        }
    }
}
