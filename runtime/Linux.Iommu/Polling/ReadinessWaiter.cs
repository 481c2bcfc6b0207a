using System.Threading.Tasks.Sources;
using Linux.Iommu.Native;
using static Linux.Iommu.Polling.EventSyscalls;

namespace Linux.Iommu.Polling;

/// <summary>The one pending "wait until readable" of a descriptor (an event queue's file, an interrupt's eventfd), as a
/// reusable <see cref="IValueTaskSource{TResult}"/> (no allocation per wait). It completes with true when the <see cref="PollThread"/> reports the file readable, false
/// when its owner is closed, or faults: cancelled, or poll reporting the descriptor invalid or in error. Exactly one of
/// those completes it (a state word decides which); its continuation runs on the thread pool, never on the poll thread.</summary>
internal sealed class ReadinessWaiter : IValueTaskSource<bool>
{
    private const int Idle = 0, Armed = 1, Completing = 2, Closed = 3;

    private readonly string _owner;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _state;

    public ReadinessWaiter(int fd, string owner)
    {
        Fd = fd;
        _owner = owner;
    }

    /// <summary>The descriptor polled; valid while the waiter is not closed (its owner closes it only after <see cref="Close"/>).</summary>
    public int Fd { get; }

    /// <summary>Set by the poll thread, under its lock, while <see cref="Fd"/> is in the set it polls.</summary>
    internal bool InPoll { get; set; }

    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>Waits until the file is readable (true) or its owner closes (false). One wait at a time.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        switch (Interlocked.CompareExchange(ref _state, Armed, Idle))
        {
            case Closed: return new ValueTask<bool>(false);
            case Armed or Completing:
                throw new InvalidOperationException($"{_owner}: a wait is already pending; a descriptor has one waiter (wait from one thread, or serialize the waits)");
        }
        _core.Reset();
        var version = _core.Version;
        _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ReadinessWaiter)state!).Cancel(token), this);
        PollThread.Shared.Arm(this);
        return new ValueTask<bool>(this, version);
    }

    /// <summary>Called by the poll thread (under its lock: must not call back into it).</summary>
    internal void Signal(short events, int pollErrno)
    {
        if (!TryComplete()) return;
        if (pollErrno != 0)
            _core.SetException(new IommuException("poll", pollErrno, $"{_owner}, descriptor {Fd}"));
        else if ((events & POLLNVAL) != 0)
            _core.SetException(new IommuException("poll", Errno.EBADF, $"{_owner}: descriptor {Fd} is not open (it was closed behind the runtime's back)"));
        else if ((events & POLLIN) == 0 && (events & (POLLERR | POLLHUP)) != 0)
            _core.SetException(new IommuException("poll", Errno.EIO, $"{_owner}: descriptor {Fd} reports {((events & POLLERR) != 0 ? "POLLERR" : "POLLHUP")}"));
        else
            _core.SetResult(true);
    }

    private void Cancel(CancellationToken token)
    {
        if (!TryComplete()) return;
        PollThread.Shared.Disarm(this);
        _core.SetException(new OperationCanceledException(token));
    }

    /// <summary>Closes for good: a pending wait completes with false, and the descriptor is out of the poll set when this
    /// returns, so the caller may close it.</summary>
    public void Close()
    {
        var previous = Interlocked.Exchange(ref _state, Closed);
        if (previous != Armed) return;
        PollThread.Shared.Disarm(this);
        _core.SetResult(false);
    }

    private bool TryComplete() => Interlocked.CompareExchange(ref _state, Completing, Armed) == Armed;

    public bool GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _cancellation.Dispose();
            Interlocked.CompareExchange(ref _state, Idle, Completing);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
