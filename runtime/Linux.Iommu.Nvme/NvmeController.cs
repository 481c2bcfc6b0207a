using System.Diagnostics;
using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Nvme;

/// <summary>A user-space driver for one NVMe controller behind VFIO (a sample of the driver kit): controller reset and
/// enable through BAR0, admin queues in DMA memory, Identify, one I/O queue pair, reads and writes with PRPs built from
/// the lease IOVAs of the kit, completion by polling the phase tag, by the queue's MSI-X interrupt, or hybrid — chosen per
/// queue pair (<see cref="NvmeCompletionMode"/>; MSI-X vector 0 is the admin queue's, 1 the I/O queue's). Data buffers are acquired from the
/// <see cref="DmaSpace"/> per command (persistently mapped ones are found by translation; others are mapped for the
/// command, or served by the space's cache). Initialization follows NVMe 1.4 §7.6.1. Not thread-safe: one caller at a time.
/// <para>After a timeout the controller is unusable; Dispose disables it (CC.EN = 0), then releases every outstanding
/// command's buffer and unmaps its queues: nothing it mapped stays mapped or pinned.</para></summary>
public sealed class NvmeController : IDisposable
{
    private const int AdminQueueId = 0, IoQueueId = 1, IdentifyLength = 4096;

    private readonly VfioDevice _device;
    private readonly DeviceRegion _bar0;
    private readonly DmaSpace _space;
    private readonly ulong _cap;
    private readonly NvmeQueuePair _admin;
    private NvmeQueuePair? _io;
    private readonly DeviceInterrupts? _interrupts;
    private readonly DmaBuffer _identify = DmaBuffer.Allocate(IdentifyLength);
    private bool _failed, _disposed;

    private NvmeController(VfioDevice device, DeviceRegion bar0, DmaSpace space, int adminEntries, TimeSpan commandTimeout,
        NvmeCompletionMode adminCompletion, NvmeCompletionMode ioCompletion)
    {
        _device = device;
        _bar0 = bar0;
        _space = space;
        CommandTimeout = commandTimeout;
        _cap = bar0.Read64(NvmeRegisters.Cap);
        if (!NvmeRegisters.SupportsNvmCommandSet(_cap)) throw new NotSupportedException($"the controller does not support the NVM command set (CAP 0x{_cap:x16})");
        if (NvmeRegisters.MinPageShift(_cap) > 12) throw new NotSupportedException($"the controller's smallest page is 2^{NvmeRegisters.MinPageShift(_cap)} bytes; this driver uses 4 KiB");
        MaxQueueEntries = NvmeRegisters.MaxQueueEntries(_cap);
        Disable();
        // MSI-X before the controller is enabled: an enabled controller signals its admin queue on vector 0 from then on
        if (adminCompletion != NvmeCompletionMode.Polling || ioCompletion != NvmeCompletionMode.Polling)
            _interrupts = DeviceInterrupts.Enable(device, VfioIrqIndex.Msix, IoQueueId + 1);
        try
        {
            _admin = new NvmeQueuePair(AdminQueueId, Math.Min(adminEntries, MaxQueueEntries), bar0, NvmeRegisters.DoorbellStride(_cap), space,
                adminCompletion, VectorFor(AdminQueueId, adminCompletion), () => HybridPollTime);
        }
        catch
        {
            _interrupts?.Dispose();
            throw;
        }
    }

    /// <summary>The MSI-X vector of queue <paramref name="queueId"/> (its own number), or null when it is polled.</summary>
    private InterruptVector? VectorFor(int queueId, NvmeCompletionMode mode) => mode == NvmeCompletionMode.Polling ? null : _interrupts![queueId];

    /// <summary>Takes over the controller behind <paramref name="device"/> (bound to vfio-pci, attached to the IOAS or
    /// container <paramref name="space"/> maps into): bus mastering on, controller reset and enabled with admin queues of
    /// <paramref name="adminEntries"/>, Identify Controller and Namespace 1, and an I/O queue pair of
    /// <paramref name="ioEntries"/> entries (depth one less). <paramref name="ioCompletion"/> and
    /// <paramref name="adminCompletion"/> choose how each queue pair waits; any but polling enables MSI-X (two vectors).</summary>
    public static NvmeController Open(VfioDevice device, DmaSpace space, int ioEntries = 64, int adminEntries = 32, TimeSpan? commandTimeout = null,
        NvmeCompletionMode ioCompletion = NvmeCompletionMode.Polling, NvmeCompletionMode adminCompletion = NvmeCompletionMode.Polling)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfLessThan(ioEntries, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(adminEntries, 2);
        device.EnablePciBusMastering();
        var bar0 = device.MapRegion(0);
        NvmeController? controller = null;
        try
        {
            controller = new NvmeController(device, bar0, space, adminEntries, commandTimeout ?? TimeSpan.FromSeconds(10), adminCompletion, ioCompletion);
            controller.Enable();
            controller.Identity = controller.IdentifyController();
            controller.Namespace = controller.IdentifyNamespace(1);
            controller.CreateIoQueuePair(ioEntries, ioCompletion);
            return controller;
        }
        catch
        {
            if (controller is not null) controller.Dispose();
            else bar0.Dispose();
            throw;
        }
    }

    /// <summary>The controller's Identify data.</summary>
    public NvmeControllerIdentity Identity { get; private set; } = null!;

    /// <summary>Namespace 1.</summary>
    public NvmeNamespace Namespace { get; private set; } = null!;

    /// <summary>CAP.MQES + 1: the largest queue the controller takes.</summary>
    public int MaxQueueEntries { get; }

    /// <summary>How long a command may take before <see cref="NvmeTimeoutException"/>.</summary>
    public TimeSpan CommandTimeout { get; set; }

    /// <summary>How long a <see cref="NvmeCompletionMode.Hybrid"/> queue pair spins before it sleeps on its interrupt;
    /// starts at <see cref="DefaultHybridPollTime"/>.</summary>
    public TimeSpan HybridPollTime { get; set; } = DefaultHybridPollTime;

    /// <summary>The hybrid poll time should be the measured cost of sleeping on the interrupt instead of spinning, so a
    /// wait costs at most twice what the better of the two would have (docs/driver-kit.md, "Choosing the hybrid poll
    /// time"; bench/nvme.sh --latency measures it): 52 µs in bench/results/nvme/nvme-latency.tsv, a quiet host's run.</summary>
    public static readonly TimeSpan DefaultHybridPollTime = TimeSpan.FromMicroseconds(52);

    /// <summary>How the I/O queue pair waits.</summary>
    public NvmeCompletionMode IoCompletion => Io.Mode;

    /// <summary>How the admin queue pair waits.</summary>
    public NvmeCompletionMode AdminCompletion => _admin.Mode;

    /// <summary>The MSI-X interrupts (vector 0: admin queue, 1: I/O queue), or null when every queue pair polls.</summary>
    public DeviceInterrupts? Interrupts => _interrupts;

    /// <summary>How many I/O commands can be outstanding (the I/O queue's entries less one).</summary>
    public int QueueDepth => Io.Depth;

    /// <summary>I/O commands submitted and not yet reaped.</summary>
    public int Outstanding => Io.OutstandingCount;

    /// <summary>The largest transfer in bytes: MDTS (in 4 KiB pages, 0 = no limit) and one PRP list page per command.</summary>
    public int MaxTransfer => 4096 * (Identity.MaxDataTransferShift == 0 ? NvmeQueuePair.MaxTransferPages : Math.Min(1 << Identity.MaxDataTransferShift, NvmeQueuePair.MaxTransferPages));

    /// <summary>Where the I/O completion queue lies (tests unmap it behind the driver's back).</summary>
    internal ulong IoCompletionQueueIova => Io.CompletionIova;

    /// <summary>Where the I/O queue's PRP list pages lie (tests unmap them behind the driver's back).</summary>
    internal (ulong Iova, ulong Length) IoPrpLists => Io.PrpLists;

    private NvmeQueuePair Io => _io ?? throw new InvalidOperationException("the I/O queue pair does not exist");

    /// <summary>CC.EN = 0 and wait for CSTS.RDY = 0 (a controller reset: every queue is gone afterwards).</summary>
    private void Disable()
    {
        var config = _bar0.Read32(NvmeRegisters.Config);
        if ((config & NvmeRegisters.Enable) != 0) _bar0.Write32(NvmeRegisters.Config, config & ~NvmeRegisters.Enable);
        WaitReady(false);
    }

    private void Enable()
    {
        // admin queue sizes are 0's based: ACQS in bits 27:16, ASQS in 11:0
        var entries = (uint)_admin.Entries - 1;
        _bar0.Write32(NvmeRegisters.AdminQueueAttributes, entries << 16 | entries);
        _bar0.Write64(NvmeRegisters.AdminSubmissionQueue, _admin.SubmissionIova);
        _bar0.Write64(NvmeRegisters.AdminCompletionQueue, _admin.CompletionIova);
        // no pin-based interrupt wanted; with MSI-X on, INTMS is not to be used (NVMe 1.4 §3.1.3)
        if (_interrupts is null) _bar0.Write32(NvmeRegisters.InterruptMaskSet, uint.MaxValue);
        _bar0.Write32(NvmeRegisters.Config, NvmeRegisters.QueueEntrySizes | NvmeRegisters.Enable);
        WaitReady(true);
    }

    private void WaitReady(bool ready)
    {
        var timeout = NvmeRegisters.ReadyTimeout(_cap) + TimeSpan.FromSeconds(1);
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var status = _bar0.Read32(NvmeRegisters.Status);
            if (((status & NvmeRegisters.Ready) != 0) == ready) return;
            if (ready && (status & NvmeRegisters.Fatal) != 0) throw new NvmeException("controller enable", $"the controller reports a fatal status (CSTS 0x{status:x})");
            if (Stopwatch.GetElapsedTime(start) > timeout)
                throw new NvmeException(ready ? "controller enable" : "controller disable", $"CSTS.RDY did not become {(ready ? 1 : 0)} within CAP.TO ({timeout.TotalMilliseconds:F0} ms; CSTS 0x{status:x})");
            Thread.Sleep(1);
        }
    }

    private bool ControllerFatal => (_bar0.Read32(NvmeRegisters.Status) & NvmeRegisters.Fatal) != 0;

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed) throw new InvalidOperationException("the controller failed (a command timed out or it reported a fatal status): dispose it and open it again");
    }

    /// <summary>Waits for <paramref name="cid"/> on <paramref name="queue"/>; throws naming the command on an error status or
    /// a timeout (which leaves the controller failed).</summary>
    private NvmeCompletion Complete(NvmeQueuePair queue, int cid)
    {
        if (!queue.Wait(cid, CommandTimeout, out var completion))
        {
            _failed = true;
            throw new NvmeTimeoutException(queue.Describe(cid), CommandTimeout, ControllerFatal);
        }
        if (!completion.Status.IsSuccess) throw new NvmeStatusException(queue.Describe(cid), completion.Status);
        return completion;
    }

    private NvmeCompletion AdminCommand(ref NvmeCommand command, DmaBuffer? data = null, DmaAccess access = DmaAccess.Write)
    {
        ThrowIfUnusable();
        var cid = _admin.Submit(ref command, data, 0, data is null ? 0 : IdentifyLength, access);
        return Complete(_admin, cid);
    }

    private NvmeControllerIdentity IdentifyController()
    {
        var command = new NvmeCommand { Opcode = (byte)NvmeOpcode.Identify, Cdw10 = 1 }; // CNS 01h
        AdminCommand(ref command, _identify);
        return NvmeControllerIdentity.Parse(_identify.Span[..IdentifyLength]);
    }

    /// <summary>Identify Namespace (CNS 00h) of <paramref name="namespaceId"/>.</summary>
    public NvmeNamespace IdentifyNamespace(uint namespaceId)
    {
        var command = new NvmeCommand { Opcode = (byte)NvmeOpcode.Identify, NamespaceId = namespaceId, Cdw10 = 0 };
        AdminCommand(ref command, _identify);
        return NvmeNamespace.Parse(namespaceId, _identify.Span[..IdentifyLength]);
    }

    private void CreateIoQueuePair(int entries, NvmeCompletionMode mode)
    {
        entries = Math.Min(entries, MaxQueueEntries);
        _io = new NvmeQueuePair(IoQueueId, entries, _bar0, NvmeRegisters.DoorbellStride(_cap), _space, mode, VectorFor(IoQueueId, mode), () => HybridPollTime);
        var size = (uint)(entries - 1) << 16 | IoQueueId; // QSIZE (0's based) and QID
        // Create I/O Completion Queue: physically contiguous (PC, CDW11 bit 0); polled: interrupts off (IEN, bit 1,
        // clear), else on, signalling the MSI-X vector in IV (bits 31:16)
        var interrupts = mode == NvmeCompletionMode.Polling ? 0u : 1u << 1 | (uint)_io.Vector << 16;
        var completion = new NvmeCommand { Opcode = (byte)NvmeOpcode.CreateIoCompletionQueue, Prp1 = _io.CompletionIova, Cdw10 = size, Cdw11 = 1 | interrupts };
        AdminCommand(ref completion);
        // Create I/O Submission Queue: its completion queue (CQID, bits 31:16) and PC
        var submission = new NvmeCommand { Opcode = (byte)NvmeOpcode.CreateIoSubmissionQueue, Prp1 = _io.SubmissionIova, Cdw10 = size, Cdw11 = IoQueueId << 16 | 1 };
        AdminCommand(ref submission);
    }

    private NvmeCommand ReadWrite(NvmeOpcode opcode, ulong lba, int blocks) => new()
    {
        Opcode = (byte)opcode,
        NamespaceId = Namespace.Id,
        Cdw10 = (uint)lba,
        Cdw11 = (uint)(lba >> 32),
        Cdw12 = (uint)(blocks - 1), // NLB, 0's based
    };

    private int CheckTransfer(ulong lba, int blocks, DmaBuffer buffer, long offset)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        var length = (long)blocks * Namespace.BlockSize;
        if (length > MaxTransfer) throw new ArgumentOutOfRangeException(nameof(blocks), $"{blocks} blocks are {length} bytes; the largest transfer is {MaxTransfer}");
        if (lba >= Namespace.SizeInBlocks || (ulong)blocks > Namespace.SizeInBlocks - lba)
            throw new ArgumentOutOfRangeException(nameof(lba), $"LBAs 0x{lba:x} + {blocks} lie outside namespace {Namespace.Id} ({Namespace.SizeInBlocks} blocks)");
        if (offset < 0 || offset > buffer.Length - length) throw new ArgumentOutOfRangeException(nameof(offset), $"{length} bytes from {offset} do not fit the buffer's {buffer.Length}");
        return (int)length;
    }

    /// <summary>Queues a read of <paramref name="blocks"/> blocks from <paramref name="lba"/> into <paramref name="buffer"/>
    /// at <paramref name="offset"/> without waiting; returns its command id (see <see cref="Reap"/>).</summary>
    public int SubmitRead(ulong lba, int blocks, DmaBuffer buffer, long offset = 0)
    {
        ThrowIfUnusable();
        var length = CheckTransfer(lba, blocks, buffer, offset);
        var command = ReadWrite(NvmeOpcode.Read, lba, blocks);
        return Io.Submit(ref command, buffer, offset, length, DmaAccess.Write, lba, blocks); // the device writes memory
    }

    /// <summary>Queues a write of <paramref name="blocks"/> blocks from <paramref name="buffer"/> to <paramref name="lba"/>.</summary>
    public int SubmitWrite(ulong lba, int blocks, DmaBuffer buffer, long offset = 0)
    {
        ThrowIfUnusable();
        var length = CheckTransfer(lba, blocks, buffer, offset);
        var command = ReadWrite(NvmeOpcode.Write, lba, blocks);
        return Io.Submit(ref command, buffer, offset, length, DmaAccess.Read, lba, blocks);
    }

    /// <summary>Waits for the I/O command <paramref name="cid"/>; throws <see cref="NvmeStatusException"/> naming it on an
    /// error status, <see cref="NvmeTimeoutException"/> after <see cref="CommandTimeout"/>.</summary>
    public void Wait(int cid)
    {
        ThrowIfUnusable();
        Complete(Io, cid);
    }

    /// <summary>Waits, as <see cref="IoCompletion"/> says, until at least one I/O completion has arrived and takes it (and
    /// any others) off the queue, as <see cref="Reap"/> does; returns how many I/O commands are outstanding. Returns at
    /// once when none is in flight (every outstanding one completed and waits for its taker).</summary>
    /// <exception cref="NvmeTimeoutException">Nothing completed within <see cref="CommandTimeout"/>.</exception>
    public int WaitForCompletions()
    {
        ThrowIfUnusable();
        if (Io.InFlight == 0) return Io.OutstandingCount;
        if (!Io.WaitForAny(CommandTimeout))
        {
            _failed = true;
            throw new NvmeTimeoutException(Io.DescribeOutstanding(), CommandTimeout, ControllerFatal);
        }
        return Io.OutstandingCount;
    }

    /// <summary>Takes the completions that have arrived off the queue (their buffers are released); returns how many I/O
    /// commands are outstanding (submitted and not yet taken). With <see cref="TryTakeCompletion"/> this drives a deeper
    /// queue than one: every submitted command must be taken (or waited for), or its identifier stays in use.</summary>
    public int Reap()
    {
        ThrowIfUnusable();
        Io.Reap();
        return Io.OutstandingCount;
    }

    /// <summary>True when the I/O command <paramref name="cid"/> has completed (and was reaped); throws on an error status.</summary>
    public bool TryTakeCompletion(int cid)
    {
        if (!Io.TryTake(cid, out var completion)) return false;
        if (!completion.Status.IsSuccess) throw new NvmeStatusException(Io.Describe(cid), completion.Status);
        return true;
    }

    /// <summary>Reads <paramref name="blocks"/> blocks from <paramref name="lba"/> into <paramref name="buffer"/> and waits.</summary>
    public void Read(ulong lba, int blocks, DmaBuffer buffer, long offset = 0) => Wait(SubmitRead(lba, blocks, buffer, offset));

    /// <summary>Writes <paramref name="blocks"/> blocks from <paramref name="buffer"/> to <paramref name="lba"/> and waits.</summary>
    public void Write(ulong lba, int blocks, DmaBuffer buffer, long offset = 0) => Wait(SubmitWrite(lba, blocks, buffer, offset));

    /// <summary>Disables the controller (so it no longer touches memory), then releases what outstanding commands held and
    /// unmaps the queues. Never throws.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Disable();
        }
        catch (NvmeException)
        {
            // it did not acknowledge within CAP.TO; VFIO's reset at close stops it in any case
        }
        _interrupts?.Dispose();
        _io?.Dispose();
        _admin?.Dispose();
        _identify.Dispose();
        _bar0.Dispose();
    }
}
