using System.Diagnostics;
using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Nvme;

/// <summary>A submission queue and its completion queue in DMA memory mapped through the kit (NVMe 1.4 §4.1
/// "Submission Queue &amp; Completion Queue Definition"): commands are written at the SQ tail and the tail doorbell rung;
/// completions are found by their phase tag at the CQ head, and the head doorbell tells the controller the slots are free.
/// A waiter spins on the phase tag, sleeps on the queue's MSI-X vector, or spins for a while and then sleeps
/// (<see cref="NvmeCompletionMode"/>). Each command identifier owns one PRP list page, and the data lease of its command until it completes:
/// a buffer cannot be unmapped or freed while a command using it is outstanding.</summary>
internal sealed unsafe class NvmeQueuePair : IDisposable
{
    private const int PageSize = 4096;

    private readonly struct Outstanding(NvmeOpcode opcode, ulong lba, int blocks, bool hasLease, DmaLease lease)
    {
        public readonly NvmeOpcode Opcode = opcode;
        public readonly ulong Lba = lba;
        public readonly int Blocks = blocks;
        public readonly bool HasLease = hasLease;
        public readonly DmaLease Lease = lease;
    }

    private readonly DeviceRegion _bar0;
    private readonly DmaSpace _space;
    private readonly DmaBuffer _submissions, _completions, _prpLists;
    private readonly ulong _prpListsIova;
    private readonly ulong _sqDoorbell, _cqDoorbell;
    private readonly Outstanding[] _outstanding;
    private readonly bool[] _busy;
    private readonly bool[] _done;
    private readonly NvmeCompletion[] _results;
    private readonly int[] _freeIds;
    private int _freeCount, _sqTail, _cqHead;
    private bool _phase = true;
    private readonly InterruptVector? _vector;
    private readonly Func<TimeSpan> _hybridPollTime;

    /// <summary>Allocates and maps queue <paramref name="id"/>'s rings; <paramref name="vector"/> is the MSI-X vector the
    /// controller signals for its completions (null when <paramref name="mode"/> is polling), <paramref name="hybridPollTime"/>
    /// how long a <see cref="NvmeCompletionMode.Hybrid"/> waiter spins before it sleeps.</summary>
    public NvmeQueuePair(int id, int entries, DeviceRegion bar0, int doorbellStride, DmaSpace space, NvmeCompletionMode mode = NvmeCompletionMode.Polling,
        InterruptVector? vector = null, Func<TimeSpan>? hybridPollTime = null)
    {
        if ((mode == NvmeCompletionMode.Polling) != (vector is null))
            throw new ArgumentException($"queue {id}: {mode} completion {(vector is null ? "needs an interrupt vector" : "takes no interrupt vector")}", nameof(vector));
        Id = id;
        Mode = mode;
        _vector = vector;
        _hybridPollTime = hybridPollTime ?? (() => TimeSpan.Zero);
        Entries = entries;
        _bar0 = bar0;
        _space = space;
        _sqDoorbell = NvmeRegisters.SubmissionTail(id, doorbellStride);
        _cqDoorbell = NvmeRegisters.CompletionHead(id, doorbellStride);
        Depth = entries - 1; // a full queue is tail + 1 == head
        _submissions = DmaBuffer.Allocate(entries * sizeof(NvmeCommand));
        _completions = DmaBuffer.Allocate(entries * sizeof(NvmeCompletion));
        _prpLists = DmaBuffer.Allocate((long)Depth * PageSize);
        try
        {
            _completions.Span.Clear(); // phase tags 0: the controller's first pass writes 1
            SubmissionIova = space.Map(_submissions, DmaAccess.Read);
            CompletionIova = space.Map(_completions, DmaAccess.Write);
            _prpListsIova = space.Map(_prpLists, DmaAccess.Read);
        }
        catch
        {
            Dispose();
            throw;
        }
        _outstanding = new Outstanding[Depth];
        _busy = new bool[Depth];
        _done = new bool[Depth];
        _results = new NvmeCompletion[Depth];
        _freeIds = new int[Depth];
        for (var i = 0; i < Depth; i++) _freeIds[i] = Depth - 1 - i;
        _freeCount = Depth;
    }

    public int Id { get; }

    public NvmeCompletionMode Mode { get; }

    /// <summary>The MSI-X vector its completion queue signals (its Interrupt Vector), or -1 when polled.</summary>
    public int Vector => _vector?.Number ?? -1;

    public int Entries { get; }

    /// <summary>How many commands can be outstanding at once.</summary>
    public int Depth { get; }

    public int OutstandingCount => Depth - _freeCount;

    /// <summary>Commands submitted whose completion has not arrived yet.</summary>
    public int InFlight { get; private set; }

    public ulong SubmissionIova { get; }

    public ulong CompletionIova { get; }

    /// <summary>Where the PRP list pages lie (one page per command identifier) and their length.</summary>
    public (ulong Iova, ulong Length) PrpLists => (_prpListsIova, (ulong)_prpLists.Length);

    /// <summary>The largest transfer one PRP list page allows: PRP1's page plus 512 list entries.</summary>
    public const int MaxTransferPages = 1 + PageSize / 8;

    /// <summary>Sets PRP1/PRP2 (and the command's PRP list) for <paramref name="length"/> bytes at <paramref name="iova"/>
    /// (NVMe 1.4 §4.3 "Physical Region Page Entry and List"). A lease lies inside one mapping, which is contiguous in IOVA
    /// space, so every page's entry is the next page of IOVA: no translation per page.</summary>
    private void SetDataPointer(ref NvmeCommand command, int cid, ulong iova, int length)
    {
        if ((iova & 3) != 0) throw new ArgumentException($"data at IOVA 0x{iova:x} is not dword aligned, as PRP entries must be");
        command.Prp1 = iova;
        var inFirstPage = PageSize - (int)(iova % PageSize);
        if (length <= inFirstPage) return;
        var pages = (length - inFirstPage + PageSize - 1) / PageSize; // after the first
        if (pages > MaxTransferPages - 1) throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes need {pages + 1} PRP pages; at most {MaxTransferPages}");
        var next = iova + (ulong)inFirstPage;
        if (pages == 1)
        {
            command.Prp2 = next;
            return;
        }
        var list = (ulong*)(_prpLists.Address + cid * PageSize);
        for (var i = 0; i < pages; i++) list[i] = next + (ulong)i * PageSize;
        command.Prp2 = _prpListsIova + (ulong)(cid * PageSize);
    }

    /// <summary>Queues a command with no data (or data already in the command) and rings the doorbell; returns its cid.</summary>
    public int Submit(ref NvmeCommand command, ulong lba = 0, int blocks = 0) => Submit(ref command, null, 0, 0, DmaAccess.Read, lba, blocks);

    /// <summary>Queues a command moving <paramref name="length"/> bytes of <paramref name="buffer"/> from
    /// <paramref name="offset"/>: the buffer is acquired from the kit (mapped now if it is not already) until it completes.</summary>
    public int Submit(ref NvmeCommand command, DmaBuffer? buffer, long offset, int length, DmaAccess access, ulong lba = 0, int blocks = 0)
    {
        if (_freeCount == 0) throw new InvalidOperationException($"queue {Id} has {Depth} commands outstanding: reap completions first");
        var cid = _freeIds[_freeCount - 1];
        var lease = default(DmaLease);
        if (buffer is not null)
        {
            lease = _space.Acquire(buffer, offset, length, access);
            try
            {
                SetDataPointer(ref command, cid, lease.Iova, length);
            }
            catch
            {
                _space.Release(lease);
                throw;
            }
        }
        _freeCount--;
        InFlight++;
        _busy[cid] = true;
        _done[cid] = false;
        _outstanding[cid] = new Outstanding((NvmeOpcode)command.Opcode, lba, blocks, buffer is not null, lease);
        command.CommandId = (ushort)cid;
        ((NvmeCommand*)_submissions.Address)[_sqTail] = command;
        _sqTail = (_sqTail + 1) % Entries;
        _bar0.Write32(_sqDoorbell, (uint)_sqTail); // a volatile write: the entry is in memory before the controller looks
        return cid;
    }

    /// <summary>Takes every new completion off the CQ (phase tag as expected) and releases its command's lease; its cid is
    /// free again once <see cref="TryTake"/> has handed the completion over. True when any arrived.</summary>
    public bool Reap()
    {
        var any = false;
        var entries = (NvmeCompletion*)_completions.Address;
        while (true)
        {
            var tag = Volatile.Read(ref *(ushort*)((byte*)&entries[_cqHead] + 14));
            if (((tag & 1) != 0) != _phase) break;
            var completion = entries[_cqHead];
            _cqHead = (_cqHead + 1) % Entries;
            if (_cqHead == 0) _phase = !_phase;
            any = true;
            var cid = completion.CommandId;
            if (cid >= Depth || !_busy[cid]) continue; // not ours (a controller bug): nothing to release
            var done = _outstanding[cid];
            if (done.HasLease) _space.Release(done.Lease);
            _outstanding[cid] = new Outstanding(done.Opcode, done.Lba, done.Blocks, false, default); // still named until the cid is reused
            _busy[cid] = false;
            InFlight--;
            _done[cid] = true; // the cid stays taken until TryTake: a new command must not reuse it before its owner looked
            _results[cid] = completion;
        }
        if (any) _bar0.Write32(_cqDoorbell, (uint)_cqHead);
        return any;
    }

    /// <summary>Whether the command <paramref name="cid"/> has completed, and its completion; taking it frees the cid.</summary>
    public bool TryTake(int cid, out NvmeCompletion completion)
    {
        completion = _results[cid];
        if (!_done[cid]) return false;
        _done[cid] = false;
        _freeIds[_freeCount++] = cid;
        return true;
    }

    /// <summary>Waits until <paramref name="cid"/> completes or <paramref name="timeout"/> passes (false), as
    /// <see cref="Mode"/> says.</summary>
    public bool Wait(int cid, TimeSpan timeout, out NvmeCompletion completion)
    {
        var start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (true)
        {
            Reap();
            if (TryTake(cid, out completion)) return true;
            if (!Pause(start, timeout, ref spin)) return false;
        }
    }

    /// <summary>Waits until at least one completion has arrived and reaps it: true, or false when
    /// <paramref name="timeout"/> passes first.</summary>
    public bool WaitForAny(TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (true)
        {
            if (Reap()) return true;
            if (!Pause(start, timeout, ref spin)) return false;
        }
    }

    /// <summary>One step of waiting after a reap found nothing: a spin while polling (or within a hybrid waiter's poll
    /// time), else a sleep on the vector; false once <paramref name="timeout"/> has passed since <paramref name="start"/>.
    /// A wake-up for a completion already reaped is harmless: the caller reaps again and finds nothing new.</summary>
    private bool Pause(long start, TimeSpan timeout, ref SpinWait spin)
    {
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (elapsed > timeout) return false;
        if (_vector is null || (Mode == NvmeCompletionMode.Hybrid && elapsed < _hybridPollTime()))
        {
            spin.SpinOnce(sleep1Threshold: -1);
            return true;
        }
        _vector.Wait(timeout - elapsed, out _);
        return true;
    }

    /// <summary>The command <paramref name="cid"/> (outstanding, or completed and not yet reused) as errors name it.</summary>
    public string Describe(int cid) => Describe(cid, _outstanding[cid].Opcode, _outstanding[cid].Lba, _outstanding[cid].Blocks);

    private string Describe(int cid, NvmeOpcode opcode, ulong lba, int blocks) =>
        (Id == 0 ? AdminName(opcode) : IoName(opcode)) + $" (opcode 0x{(byte)opcode:x2}, cid {cid}, {(Id == 0 ? "admin queue" : $"I/O queue {Id}")}" +
        (Id != 0 && opcode is NvmeOpcode.Read or NvmeOpcode.Write ? $", LBA 0x{lba:x}, {blocks} blocks)" : ")");

    /// <summary>The outstanding commands, named (for a timeout).</summary>
    public string DescribeOutstanding() => string.Join("; ", Enumerable.Range(0, Depth).Where(c => _busy[c]).Select(Describe));

    private static string AdminName(NvmeOpcode opcode) => opcode switch
    {
        NvmeOpcode.DeleteIoSubmissionQueue => "Delete I/O Submission Queue",
        NvmeOpcode.CreateIoSubmissionQueue => "Create I/O Submission Queue",
        NvmeOpcode.DeleteIoCompletionQueue => "Delete I/O Completion Queue",
        NvmeOpcode.CreateIoCompletionQueue => "Create I/O Completion Queue",
        NvmeOpcode.Identify => "Identify",
        _ => "admin command",
    };

    private static string IoName(NvmeOpcode opcode) => opcode switch
    {
        NvmeOpcode.Read => "Read",
        NvmeOpcode.Write => "Write",
        _ => "I/O command",
    };

    /// <summary>Releases every outstanding command's lease (the controller must be disabled first: nothing may still DMA),
    /// then unmaps and frees the queues.</summary>
    public void Dispose()
    {
        if (_busy is not null)
        {
            for (var cid = 0; cid < Depth; cid++)
            {
                if (!_busy[cid]) continue;
                if (_outstanding[cid].HasLease) TryRelease(_outstanding[cid].Lease);
                _busy[cid] = false;
            }
        }
        foreach (var buffer in new[] { _submissions, _completions, _prpLists })
        {
            if (buffer is null) continue;
            if (buffer.Mappings > 0) TryUnmap(buffer);
            buffer.Dispose();
        }
    }

    private void TryRelease(DmaLease lease)
    {
        try
        {
            _space.Release(lease);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
        {
            // the space is gone or already dropped it: its own Dispose unmapped everything
        }
    }

    private void TryUnmap(DmaBuffer buffer)
    {
        try
        {
            _space.Unmap(buffer);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
        {
            // as above
        }
    }
}
