using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A vIOMMU event queue (IOMMU_VEVENTQ_ALLOC): events the host IOMMU reports for the guest's devices (e.g. SMMUv3
/// event records naming a vDEVICE's virtual id), each a struct iommufd_vevent_header and the type's fixed-size data.
/// The reader checks the headers' sequence numbers: a jump, or a header flagged IOMMU_VEVENTQ_FLAG_LOST_EVENTS (the
/// queue overflowed its depth), yields a <see cref="Vevent"/> with <see cref="Vevent.IsLost"/> before reading on.</summary>
public sealed class VeventQueue : EventQueue<Vevent>
{
    private const uint SequenceMask = int.MaxValue; // sequence runs 0..INT_MAX, then 0 again
    private static readonly int HeaderSize = iommufd_vevent_header.NativeSize;

    private readonly int _recordSize;
    private byte[] _buffer;
    private int _next, _end;
    private uint _expected;     // the sequence number of the next event if none is lost
    private bool _gapReported;  // the event at _next follows a sequence jump already reported as lost

    internal VeventQueue(IommuFd iommu, uint id, int fd, uint type, int eventSize) : base(iommu, id, fd)
    {
        Type = type;
        EventSize = eventSize;
        _recordSize = HeaderSize + eventSize;
        _buffer = new byte[_recordSize * 64];
    }

    /// <summary>The event type (enum iommu_veventq_type, or a driver's own such as the selftest's).</summary>
    public uint Type { get; }

    /// <summary>The size of one event's data after its header.</summary>
    public int EventSize { get; }

    /// <summary>The data size of the uAPI's event types: struct iommu_vevent_arm_smmuv3, struct iommu_vevent_tegra241_cmdqv.</summary>
    public static int EventSizeOf(VeventQueueType type) => type switch
    {
        VeventQueueType.ArmSmmuV3 => iommu_vevent_arm_smmuv3.NativeSize,
        VeventQueueType.Tegra241Cmdqv => iommu_vevent_tegra241_cmdqv.NativeSize,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type,
            $"no event data size is known for vEVENTQ type {(uint)type}: give it with Allocate(viommu, type, depth, eventSize)"),
    };

    /// <summary>Allocates a vEVENTQ of <paramref name="type"/> with room for <paramref name="depth"/> events (1..2^19).</summary>
    public static VeventQueue Allocate(Viommu viommu, VeventQueueType type, uint depth) =>
        Allocate(viommu, (uint)type, depth, EventSizeOf(type));

    /// <summary>Allocates a vEVENTQ of a type the uAPI header does not name (a driver's own, such as the selftest's
    /// IOMMU_VEVENTQ_TYPE_SELFTEST), whose events carry <paramref name="eventSize"/> bytes of data.</summary>
    public static VeventQueue Allocate(Viommu viommu, uint type, uint depth, int eventSize)
    {
        ArgumentNullException.ThrowIfNull(viommu);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventSize);
        var alloc = iommu_veventq_alloc.Create();
        alloc.viommu_id = viommu.Id;
        alloc.type = type;
        alloc.veventq_depth = depth;
        try
        {
            using var fd = viommu.Iommu.Lease();
            Ioctls.IOMMU_VEVENTQ_ALLOC(fd.Fd, ref alloc);
        }
        catch (IommuException e) when (viommu.Iommu.MissingFeature(e, nameof(Requests.IOMMU_VEVENTQ_ALLOC)) is { } missing)
        {
            throw missing;
        }
        return new VeventQueue(viommu.Iommu, alloc.out_veventq_id, (int)alloc.out_veventq_fd, type, eventSize);
    }

    private protected override bool HasBuffered => _next < _end;

    private protected override bool TryTake(out Vevent vevent)
    {
        if (_next == _end && !Fill())
        {
            vevent = default;
            return false;
        }
        var header = MemoryMarshal.Read<iommufd_vevent_header>(_buffer.AsSpan(_next));
        if ((header.flags & (uint)iommu_veventq_flag.IOMMU_VEVENTQ_FLAG_LOST_EVENTS) != 0)
        {
            // the header carries the sequence number of the last event lost; no data follows it
            _next += HeaderSize;
            vevent = Vevent.Lost(_expected, ((header.sequence - _expected) & SequenceMask) + 1);
            _expected = (header.sequence + 1) & SequenceMask;
            return true;
        }
        if (header.sequence != _expected && !_gapReported)
        {
            _gapReported = true;
            vevent = Vevent.Lost(_expected, (header.sequence - _expected) & SequenceMask);
            return true;
        }
        _gapReported = false;
        if (_end - _next < _recordSize)
            IommuException.Throw("read", Errno.EIO, $"{this}: an event of sequence {header.sequence} ends after {_end - _next} of its {_recordSize} bytes (the queue's event size {EventSize} does not match its type {Type})");
        vevent = new Vevent(header.sequence, _buffer, _next + HeaderSize, EventSize);
        _next += _recordSize;
        _expected = (header.sequence + 1) & SequenceMask;
        return true;
    }

    private bool Fill()
    {
        _next = _end = 0;
        var read = ReadFile(_buffer);
        if (read < 0) IommuException.Throw("read", -read, $"{this}: a read of up to {_buffer.Length} bytes ({_buffer.Length / _recordSize} events of {EventSize} bytes)");
        _end = read;
        return read > 0;
    }
}

/// <summary>One item of a <see cref="VeventQueue"/>: an event (its sequence number and data), or, when
/// <see cref="IsLost"/>, the report that <see cref="LostCount"/> events from <see cref="Sequence"/> on were lost (the queue
/// overflowed). <see cref="Data"/> lies in the queue's reused buffer: valid until the queue's next read.</summary>
public readonly struct Vevent
{
    private readonly byte[]? _buffer;
    private readonly int _offset;
    private readonly int _length;

    internal Vevent(uint sequence, byte[] buffer, int offset, int length)
    {
        Sequence = sequence;
        _buffer = buffer;
        _offset = offset;
        _length = length;
    }

    private Vevent(uint sequence, uint lostCount)
    {
        Sequence = sequence;
        LostCount = lostCount;
    }

    internal static Vevent Lost(uint firstSequence, uint count) => new(firstSequence, count);

    /// <summary>The event's sequence number; for a loss, that of the first event lost.</summary>
    public uint Sequence { get; }

    /// <summary>Events were lost here (not an event).</summary>
    public bool IsLost => LostCount != 0;

    /// <summary>How many events were lost (0 for an event).</summary>
    public uint LostCount { get; }

    /// <summary>The event's data (empty for a loss); valid until the queue's next read.</summary>
    public ReadOnlySpan<byte> Data => _buffer.AsSpan(_offset, _length);

    /// <summary>The data as the type's struct, e.g. <see cref="iommu_vevent_arm_smmuv3"/> (or the selftest's iommu_viommu_event_selftest).</summary>
    /// <exception cref="InvalidOperationException">A loss, or data of another size than <typeparamref name="T"/>.</exception>
    public T Read<T>() where T : unmanaged
    {
        if (IsLost || _length != Unsafe.SizeOf<T>())
            throw new InvalidOperationException(IsLost ? $"{this} carries no event data" : $"event {Sequence} has {_length} bytes of data, {typeof(T).Name} is {Unsafe.SizeOf<T>()}");
        return MemoryMarshal.Read<T>(Data);
    }

    /// <summary>What the item is, for messages.</summary>
    public override string ToString() => IsLost ? $"{LostCount} event(s) lost from sequence {Sequence}" : $"event {Sequence} ({_length} bytes)";
}
