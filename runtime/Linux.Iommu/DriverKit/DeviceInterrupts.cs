using Linux.Iommu.Native;
using Linux.Iommu.Polling;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.DriverKit;

/// <summary>A device's interrupts of one index (INTx, MSI or MSI-X) routed to eventfds: <see cref="Enable"/> creates one
/// eventfd per vector and hands them to the kernel (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER), each
/// <see cref="InterruptVector"/> waits on its own. One index per device at a time (vfio-pci enables one of INTx, MSI,
/// MSI-X). A set-up that fails half-way leaves nothing armed: the eventfds made so far are closed and the index disabled.
/// <see cref="Dispose"/> disables the index and closes the eventfds (a pending wait ends with
/// <see cref="ObjectDisposedException"/>); closing the device first disables them too.</summary>
public sealed class DeviceInterrupts : IDisposable
{
    private readonly VfioDevice _device;
    private readonly InterruptVector[] _vectors;
    private int _disposed;

    private DeviceInterrupts(VfioDevice device, VfioIrqInfo info, int count)
    {
        _device = device;
        Info = info;
        if (!device.TryClaimInterrupts(this))
            throw new InvalidOperationException($"interrupts of this device are enabled already ({device.EnabledInterrupts}): dispose them before enabling {Describe(info.Index, count)}");
        var eventFds = new SafeFileHandle[count];
        var asked = false;
        try
        {
            for (var i = 0; i < count; i++) eventFds[i] = CreateEventFd(info.Index, i);
            Span<int> fds = count <= 64 ? stackalloc int[count] : new int[count];
            for (var i = 0; i < count; i++) fds[i] = (int)eventFds[i].DangerousGetHandle();
            asked = true;
            device.SetIrqEventFds(info.Index, 0, fds);
        }
        catch
        {
            // the kernel unwinds a refused SET_IRQS itself (vfio_msi_disable); the disable makes sure of it
            if (asked) device.TryDisableIrqs(info.Index, out _);
            foreach (var eventFd in eventFds) eventFd?.Dispose();
            device.ReleaseInterrupts(this);
            throw;
        }
        var name = $"VFIO device fd {(int)device.Handle.DangerousGetHandle()}";
        _vectors = new InterruptVector[count];
        for (var i = 0; i < count; i++) _vectors[i] = new InterruptVector(info.Index, i, eventFds[i], name);
    }

    /// <summary>Enables <paramref name="count"/> vectors (0..count-1) of <paramref name="index"/> on <paramref name="device"/>.</summary>
    /// <exception cref="NotSupportedException">The device has no such interrupt (VFIO_DEVICE_GET_IRQ_INFO count 0), or it
    /// is not signalled through eventfds.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or above the index's count.</exception>
    /// <exception cref="InvalidOperationException">The device has interrupts enabled through another instance.</exception>
    /// <exception cref="IommuException">eventfd or VFIO_DEVICE_SET_IRQS failed (the errno and the vectors named); nothing
    /// is left armed.</exception>
    public static DeviceInterrupts Enable(VfioDevice device, VfioIrqIndex index, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(device);
        var info = device.GetIrqInfo(index);
        var name = VfioIrqInfo.Name(index);
        if (info.Count == 0) throw new NotSupportedException($"the device has no {name} interrupt (VFIO_DEVICE_GET_IRQ_INFO of index {(uint)index}: count 0)");
        if (!info.SupportsEventFd) throw new NotSupportedException($"the device's {name} interrupts are not signalled through eventfds (VFIO_DEVICE_GET_IRQ_INFO flags 0x{(uint)info.Flags:x})");
        if (count < 1 || count > info.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"the device has {info.Count} {name} vector(s) (VFIO_DEVICE_GET_IRQ_INFO); enable 1 to {info.Count}");
        return new DeviceInterrupts(device, info, count);
    }

    /// <summary>The index and what it allows.</summary>
    public VfioIrqInfo Info { get; }

    /// <summary>The index enabled.</summary>
    public VfioIrqIndex Index => Info.Index;

    /// <summary>How many vectors are enabled.</summary>
    public int Count => _vectors.Length;

    /// <summary>Vector <paramref name="vector"/> (0..<see cref="Count"/>-1).</summary>
    public InterruptVector this[int vector] => _vectors[vector];

    /// <summary>The vectors, by number.</summary>
    public IReadOnlyList<InterruptVector> Vectors => _vectors;

    /// <summary>After an automasked interrupt (INTx: the kernel masks the pin as it fires), lets <paramref name="vector"/> fire
    /// again (VFIO_IRQ_SET_ACTION_UNMASK). Acknowledge the interrupt at the device first, or its level fires it at once.
    /// Does nothing for MSI and MSI-X, which are not masked as they fire.</summary>
    /// <exception cref="IommuException">VFIO_DEVICE_SET_IRQS refused the unmask.</exception>
    public void Unmask(int vector = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vector, Count);
        if (Info.IsAutomasked) _device.UnmaskIrq(Index, (uint)vector);
    }

    /// <summary>Disables the index in the kernel and closes every vector's eventfd; a pending wait ends with
    /// <see cref="ObjectDisposedException"/>. Never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            _device.TryDisableIrqs(Index, out _);
        }
        catch (ObjectDisposedException)
        {
            // the device is closed: its release disabled the interrupts
        }
        foreach (var vector in _vectors) vector.Close();
        _device.ReleaseInterrupts(this);
    }

    /// <summary>What is enabled, for messages.</summary>
    public override string ToString() => Describe(Index, Count);

    private static string Describe(VfioIrqIndex index, int count) => $"{VfioIrqInfo.Name(index)}, {count} vector{(count == 1 ? "" : "s")}";

    private static SafeFileHandle CreateEventFd(VfioIrqIndex index, int vector)
    {
        var fd = EventSyscalls.EventFd(0, EventSyscalls.EFD_CLOEXEC | EventSyscalls.EFD_NONBLOCK);
        if (fd < 0) IommuException.Throw("eventfd", EventSyscalls.LastErrno, $"the eventfd of {VfioIrqInfo.Name(index)} vector {vector}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
