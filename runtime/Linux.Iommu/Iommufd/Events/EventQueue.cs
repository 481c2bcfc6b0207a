using System.Runtime.CompilerServices;
using Linux.Iommu.Polling;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>A kernel object that delivers records through a file: a <see cref="FaultQueue"/> or a <see cref="VeventQueue"/>.
/// One reader: <see cref="TryRead"/> takes what is buffered or readable now, without waiting; <see cref="WaitToReadAsync"/>
/// waits for records (a process-wide poll thread watches the file, see docs/runtime.md); <see cref="ReadAsync"/> and
/// <see cref="ReadAllAsync"/> combine the two. Records come from buffers the queue reuses: a record is valid until the
/// next read, and reading allocates nothing once the buffers have grown to the largest read. Disposing (from any thread)
/// completes a pending wait with false, ends <see cref="ReadAllAsync"/>, closes the file and destroys the object.</summary>
/// <typeparam name="TRecord">What one read yields.</typeparam>
public abstract class EventQueue<TRecord> : IommuObject where TRecord : struct
{
    private readonly SafeFileHandle _file;
    private readonly ReadinessWaiter _waiter;
    private readonly string _name; // for the descriptor lease's ObjectDisposedException, made once: reads allocate nothing

    private protected EventQueue(IommuFd iommu, uint id, int fd) : base(iommu, id)
    {
        _file = new SafeFileHandle(fd, ownsHandle: true);
        _name = ToString();
        _waiter = new ReadinessWaiter(fd, _name);
    }

    private protected sealed override void ReleaseBeforeDestroy()
    {
        _waiter.Close();
        _file.Dispose();
    }

    /// <summary>Takes the next record if one is buffered or the kernel has one now; false when the queue is empty (or disposed).</summary>
    /// <exception cref="IommuException">The kernel refused the read (operation "read", e.g. ENOMEM).</exception>
    public bool TryRead(out TRecord record)
    {
        if (_waiter.IsClosed)
        {
            record = default;
            return false;
        }
        try
        {
            return TryTake(out record);
        }
        catch (ObjectDisposedException) when (_waiter.IsClosed)
        {
            record = default; // disposed by another thread between the check and the read
            return false;
        }
    }

    /// <summary>Waits until a record can be read: true; false once the queue is disposed (also for a wait pending then).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the queue stays usable.</exception>
    /// <exception cref="IommuException">poll reported the descriptor invalid or in error.</exception>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        HasBuffered ? new ValueTask<bool>(!_waiter.IsClosed) : _waiter.WaitAsync(cancellationToken);

    /// <summary>The next record, waiting for one if needed.</summary>
    /// <exception cref="ObjectDisposedException">The queue is disposed (also when that happens while waiting).</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TRecord> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryRead(out var record)) return record;
            if (!await WaitToReadAsync(cancellationToken).ConfigureAwait(false)) throw new ObjectDisposedException(ToString());
        }
    }

    /// <summary>Every record as it arrives, until the queue is disposed (then the enumeration ends) or
    /// <paramref name="cancellationToken"/> is cancelled (then it throws <see cref="OperationCanceledException"/>).</summary>
    public async IAsyncEnumerable<TRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            while (TryRead(out var record)) yield return record;
            if (!await WaitToReadAsync(cancellationToken).ConfigureAwait(false)) yield break;
        }
    }

    /// <summary>Whether records from the last read are still unread.</summary>
    private protected abstract bool HasBuffered { get; }

    /// <summary>The next buffered record, or reads the file when none is left; false when the file had none.</summary>
    private protected abstract bool TryTake(out TRecord record);

    /// <summary>read(2) of the queue's file into <paramref name="buffer"/>: the bytes read, 0 when the queue is empty, or
    /// -errno (EINVAL: the buffer cannot take the first pending record or group). The kernel's queues read 0 when empty;
    /// EAGAIN, which a non-blocking descriptor of another kind answers, means the same.</summary>
    private protected unsafe int ReadFile(Span<byte> buffer)
    {
        using var lease = new FdLease(_file, _name);
        fixed (byte* data = buffer)
        {
            var read = EventSyscalls.Read(lease.Fd, data, (nuint)buffer.Length);
            if (read >= 0) return (int)read;
            var errno = EventSyscalls.LastErrno;
            return errno == Errno.EAGAIN ? 0 : -errno;
        }
    }

    /// <summary>write(2) of <paramref name="data"/> to the queue's file: the bytes written or -errno.</summary>
    private protected unsafe int WriteFile(ReadOnlySpan<byte> data)
    {
        using var lease = new FdLease(_file, _name);
        fixed (byte* bytes = data)
        {
            var written = EventSyscalls.Write(lease.Fd, bytes, (nuint)data.Length);
            return written < 0 ? -EventSyscalls.LastErrno : (int)written;
        }
    }
}
