using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>An I/O page fault queue (IOMMU_FAULT_QUEUE_ALLOC): the faults of HWPTs allocated with its <see cref="IommuObject.Id"/>
/// as fault_id (and IOMMU_HWPT_FAULT_ID_VALID), read as groups of struct iommu_hwpt_pgfault (a group ends with the record
/// flagged IOMMU_PGFAULT_FLAGS_LAST_PAGE; the kernel hands out whole groups) and answered with <see cref="Respond"/>.
/// A group the queue is destroyed with unanswered, the kernel answers Invalid.</summary>
public sealed class FaultQueue : EventQueue<PageFaultGroup>
{
    /// <summary>A group larger than this is refused as a broken queue: the kernel's groups are a PRI page request group
    /// (the PCIe limit is the device's outstanding page request allocation, far below this).</summary>
    private const int MaxRecords = 1 << 16;

    private PageFault[] _records = new PageFault[64];
    private int _next, _end;

    internal FaultQueue(IommuFd iommu, uint id, int fd) : base(iommu, id, fd)
    {
    }

    /// <summary>Allocates a fault queue: pass its <see cref="IommuObject.Id"/> as fault_id (with IOMMU_HWPT_FAULT_ID_VALID) to
    /// IOMMU_HWPT_ALLOC for HWPTs whose faults user space handles.</summary>
    public static FaultQueue Allocate(IommuFd iommu)
    {
        var alloc = iommu_fault_alloc.Create();
        using (var fd = iommu.Lease()) Ioctls.IOMMU_FAULT_QUEUE_ALLOC(fd.Fd, ref alloc);
        return new FaultQueue(iommu, alloc.out_fault_id, (int)alloc.out_fault_fd);
    }

    private protected override bool HasBuffered => _next < _end;

    private protected override bool TryTake(out PageFaultGroup group)
    {
        if (_next == _end && !Fill())
        {
            group = default;
            return false;
        }
        var start = _next;
        while ((_records[_next++].Flags & PageFaultFlags.LastPage) == 0 && _next < _end)
        {
        }
        group = new PageFaultGroup(_records, start, _next - start);
        return true;
    }

    /// <summary>Reads as many whole groups as the buffer takes; grows it when the first pending group does not fit (EINVAL).</summary>
    private bool Fill()
    {
        _next = _end = 0;
        while (true)
        {
            var read = ReadFile(MemoryMarshal.AsBytes(_records.AsSpan()));
            if (read >= 0)
            {
                _end = read / iommu_hwpt_pgfault.NativeSize; // PageFault is the same 40 bytes
                return _end > 0;
            }
            if (read != -Errno.EINVAL || _records.Length >= MaxRecords)
                IommuException.Throw("read", -read, $"{this}: a read of up to {_records.Length} page faults");
            _records = new PageFault[_records.Length * 2];
        }
    }

    /// <summary>Answers <paramref name="group"/> (write of struct iommu_hwpt_page_response with its cookie): Success makes the
    /// device retry the access, Invalid tells it the request cannot be served. The kernel's write never waits.</summary>
    /// <exception cref="IommuException">EINVAL: the cookie is not pending (already answered, or not from this queue).</exception>
    public void Respond(in PageFaultGroup group, PageResponseCode code)
    {
        if (!TryRespond(group, code, out var errno)) IommuException.Throw("write", errno, ResponseContext(group, code));
    }

    /// <summary><see cref="Respond"/> for a reader loop written with await: the kernel's write never waits, so the
    /// returned task is already complete (faulted with the <see cref="IommuException"/> when the write is refused); no
    /// allocation on success.</summary>
    public ValueTask RespondAsync(in PageFaultGroup group, PageResponseCode code)
    {
        return TryRespond(group, code, out var errno)
            ? default
            : ValueTask.FromException(new IommuException("write", errno, ResponseContext(group, code)));
    }

    private string ResponseContext(in PageFaultGroup group, PageResponseCode code) =>
        $"{this}: response {code} to fault group cookie {group.Cookie} (device {group.DeviceId})";

    /// <summary>The non-throwing <see cref="Respond"/>: true, or false with the kernel's <paramref name="errno"/>.</summary>
    public bool TryRespond(in PageFaultGroup group, PageResponseCode code, out int errno)
    {
        var response = new iommu_hwpt_page_response { cookie = group.Cookie, code = (uint)code };
        var written = WriteFile(MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_page_response>(in response)));
        errno = written < 0 ? -written : 0;
        return errno == 0;
    }
}

/// <summary>One group of I/O page faults a device raised together (a PCIe page request group): its records, in order,
/// the last one flagged IOMMU_PGFAULT_FLAGS_LAST_PAGE. <see cref="Faults"/> lies in the queue's reused buffer: valid until
/// the queue's next read; <see cref="Cookie"/> and the ids are copies, so <see cref="FaultQueue.Respond"/> works any time.</summary>
public readonly struct PageFaultGroup
{
    private readonly PageFault[]? _records;
    private readonly int _start;

    internal PageFaultGroup(PageFault[] records, int start, int count)
    {
        _records = records;
        _start = start;
        Count = count;
        ref readonly var last = ref records[start + count - 1];
        Cookie = last.Cookie;
        DeviceId = last.DeviceId;
    }

    /// <summary>How many faults the group has.</summary>
    public int Count { get; }

    /// <summary>The kernel's cookie of the group (from its last record), which the response echoes.</summary>
    public uint Cookie { get; }

    /// <summary>The iommufd device id that faulted.</summary>
    public uint DeviceId { get; }

    /// <summary>The records (flags, dev_id, pasid, grpid, perm, addr, length hint, cookie); valid until the queue's next read.</summary>
    public ReadOnlySpan<PageFault> Faults => _records.AsSpan(_start, Count);

    /// <summary>What the group is, for messages.</summary>
    public override string ToString() => Count == 0 ? "no fault group" : $"fault group cookie {Cookie}: {Count} fault(s) of device {DeviceId}, first at 0x{_records![_start].Address:x}";
}
