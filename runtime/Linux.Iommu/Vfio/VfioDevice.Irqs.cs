using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>The interrupt ioctls of a device, one method each (VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS with its
/// actions); <see cref="DriverKit.DeviceInterrupts"/> builds eventfds, waiting and teardown on them.</summary>
public sealed partial class VfioDevice
{
    private DriverKit.DeviceInterrupts? _interrupts;

    /// <summary>The interrupts enabled through the driver kit, or null.</summary>
    internal DriverKit.DeviceInterrupts? EnabledInterrupts => Volatile.Read(ref _interrupts);

    /// <summary>One <see cref="DriverKit.DeviceInterrupts"/> per device: a second would replace the first's eventfds.</summary>
    internal bool TryClaimInterrupts(DriverKit.DeviceInterrupts owner) => Interlocked.CompareExchange(ref _interrupts, owner, null) is null;

    internal void ReleaseInterrupts(DriverKit.DeviceInterrupts owner) => Interlocked.CompareExchange(ref _interrupts, null, owner);

    /// <summary>VFIO_DEVICE_GET_IRQ_INFO of <paramref name="index"/>: its vector count (0 when the device lacks it) and flags.</summary>
    /// <exception cref="IommuException">EINVAL: the index is beyond the device's (VfioDeviceInfo.Irqs).</exception>
    public VfioIrqInfo GetIrqInfo(VfioIrqIndex index)
    {
        var info = vfio_irq_info.Create();
        info.index = (uint)index;
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_DEVICE_GET_IRQ_INFO(fd.Fd, ref info);
        if (result < 0) Ioctls.ThrowVFIO_DEVICE_GET_IRQ_INFO(-result, in info, VfioIrqInfo.Name(index));
        return new VfioIrqInfo(index, (VfioIrqFlags)info.flags, info.count);
    }

    /// <summary>VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER: vectors <paramref name="start"/>... of
    /// <paramref name="index"/> signal <paramref name="eventFds"/> (one eventfd each; -1 leaves that vector without one).
    /// The first call on an index enables it (MSI and MSI-X allocate their vectors then).</summary>
    /// <exception cref="IommuException">The kernel refused: EINVAL when another index is enabled (one of INTx, MSI, MSI-X at
    /// a time) or the vectors are beyond the index's count; ENOSPC when the host could not allocate the vectors.</exception>
    public void SetIrqEventFds(VfioIrqIndex index, uint start, ReadOnlySpan<int> eventFds)
    {
        if (!TrySetIrqEventFds(index, start, eventFds, out var errno))
            ThrowSetIrqs(errno, Constants.VFIO_IRQ_SET_DATA_EVENTFD | Constants.VFIO_IRQ_SET_ACTION_TRIGGER, index, start, (uint)eventFds.Length,
                $"{VfioIrqInfo.Name(index)} vectors {start}..{start + eventFds.Length - 1} to eventfds {string.Join(", ", eventFds.ToArray())}");
    }

    /// <summary>The non-throwing <see cref="SetIrqEventFds"/>: true, or false with the kernel's <paramref name="errno"/>.</summary>
    public bool TrySetIrqEventFds(VfioIrqIndex index, uint start, ReadOnlySpan<int> eventFds, out int errno)
    {
        var dataLength = eventFds.Length * sizeof(int);
        Span<byte> buffer = stackalloc byte[vfio_irq_set.SizeOf(dataLength)];
        eventFds.CopyTo(MemoryMarshal.Cast<byte, int>(vfio_irq_set.AsSpan(buffer, dataLength)));
        ref var set = ref Unsafe.As<byte, vfio_irq_set>(ref buffer[0]);
        set.argsz = (uint)buffer.Length;
        set.flags = Constants.VFIO_IRQ_SET_DATA_EVENTFD | Constants.VFIO_IRQ_SET_ACTION_TRIGGER;
        set.index = (uint)index;
        set.start = start;
        set.count = (uint)eventFds.Length;
        return Issue(ref set, out errno);
    }

    /// <summary>VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER with count 0: disables <paramref name="index"/>, every
    /// vector's eventfd released (closing the device does the same).</summary>
    /// <exception cref="IommuException">EINVAL: the index is not the one enabled.</exception>
    public void DisableIrqs(VfioIrqIndex index)
    {
        if (!TryDisableIrqs(index, out var errno))
            ThrowSetIrqs(errno, Constants.VFIO_IRQ_SET_DATA_NONE | Constants.VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0, $"disable {VfioIrqInfo.Name(index)}");
    }

    /// <summary>The non-throwing <see cref="DisableIrqs"/>: true, or false with the kernel's <paramref name="errno"/>.</summary>
    public bool TryDisableIrqs(VfioIrqIndex index, out int errno) =>
        TryAction(Constants.VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0, out errno);

    /// <summary>VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK of one vector: after an automasked (INTx) interrupt,
    /// once the device has been acknowledged, lets it fire again.</summary>
    /// <exception cref="IommuException">EINVAL: the index is not enabled or cannot be masked.</exception>
    public void UnmaskIrq(VfioIrqIndex index, uint vector = 0)
    {
        if (!TryAction(Constants.VFIO_IRQ_SET_ACTION_UNMASK, index, vector, 1, out var errno))
            ThrowSetIrqs(errno, Constants.VFIO_IRQ_SET_DATA_NONE | Constants.VFIO_IRQ_SET_ACTION_UNMASK, index, vector, 1, $"unmask {VfioIrqInfo.Name(index)} vector {vector}");
    }

    /// <summary>VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK of one vector (INTx: the kernel disables the pin through
    /// the device's INTx-disable bit; vfio-pci does not mask MSI or MSI-X this way).</summary>
    /// <exception cref="IommuException">EINVAL: the index is not enabled or cannot be masked.</exception>
    public void MaskIrq(VfioIrqIndex index, uint vector = 0)
    {
        if (!TryAction(Constants.VFIO_IRQ_SET_ACTION_MASK, index, vector, 1, out var errno))
            ThrowSetIrqs(errno, Constants.VFIO_IRQ_SET_DATA_NONE | Constants.VFIO_IRQ_SET_ACTION_MASK, index, vector, 1, $"mask {VfioIrqInfo.Name(index)} vector {vector}");
    }

    private bool TryAction(int action, VfioIrqIndex index, uint start, uint count, out int errno)
    {
        var set = vfio_irq_set.Create();
        set.flags = (uint)(Constants.VFIO_IRQ_SET_DATA_NONE | action);
        set.index = (uint)index;
        set.start = start;
        set.count = count;
        return Issue(ref set, out errno);
    }

    private bool Issue(ref vfio_irq_set set, out int errno)
    {
        int result;
        using (var fd = Lease()) result = Ioctls.TryVFIO_DEVICE_SET_IRQS(fd.Fd, ref set);
        errno = result < 0 ? -result : 0;
        return result >= 0;
    }

    private static void ThrowSetIrqs(int errno, int flags, VfioIrqIndex index, uint start, uint count, string what)
    {
        var set = vfio_irq_set.Create();
        set.flags = (uint)flags;
        set.index = (uint)index;
        set.start = start;
        set.count = count;
        Ioctls.ThrowVFIO_DEVICE_SET_IRQS(errno, in set, what);
    }
}
