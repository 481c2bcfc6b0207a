using System.Runtime.InteropServices;

namespace Linux.Iommu.Nvme;

/// <summary>A completion queue entry, 16 bytes (NVMe 1.4 §4.6 "Completion Queue Entry"): DW0 command specific, SQ head
/// pointer and SQ identifier, command identifier, and the status field with the phase tag in bit 0.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public readonly struct NvmeCompletion
{
    /// <summary>Command-specific result (DW0).</summary>
    [FieldOffset(0)] public readonly uint Result;
    /// <summary>How far the controller has consumed the submission queue.</summary>
    [FieldOffset(8)] public readonly ushort SubmissionQueueHead;
    /// <summary>The submission queue the command came from.</summary>
    [FieldOffset(10)] public readonly ushort SubmissionQueueId;
    /// <summary>The command identifier it completes.</summary>
    [FieldOffset(12)] public readonly ushort CommandId;
    /// <summary>Phase tag (bit 0) and status field (bits 15:1).</summary>
    [FieldOffset(14)] public readonly ushort PhaseAndStatus;

    /// <summary>The phase tag: flips each time the controller wraps the queue, so a new entry is one whose tag differs
    /// from what the slot held before.</summary>
    public bool Phase => (PhaseAndStatus & 1) != 0;

    /// <summary>The status field without the phase tag: 0 is success.</summary>
    public NvmeStatus Status => new((ushort)(PhaseAndStatus >> 1));
}

/// <summary>A completion's status field (NVMe 1.4 §4.6.1 "Status Field Definition"): status code (bits 7:0), status code
/// type (10:8: 0 generic, 1 command specific, 2 media and data integrity, 3 path related), more (13), do not retry (14).</summary>
public readonly record struct NvmeStatus(ushort Value)
{
    /// <summary>Status code.</summary>
    public byte Code => (byte)Value;

    /// <summary>Status code type.</summary>
    public int CodeType => (Value >> 8) & 7;

    /// <summary>Do not retry.</summary>
    public bool DoNotRetry => (Value & 0x4000) != 0;

    /// <summary>True for success.</summary>
    public bool IsSuccess => (Value & 0x7ff) == 0;

    /// <summary>The status in words (NVMe 1.4 Figures 126-128 for the codes this driver can meet; others by number).</summary>
    public override string ToString() => (CodeType, Code) switch
    {
        (0, 0x00) => "Successful Completion",
        (0, 0x01) => "Invalid Command Opcode",
        (0, 0x02) => "Invalid Field in Command",
        (0, 0x03) => "Command ID Conflict",
        (0, 0x04) => "Data Transfer Error",
        (0, 0x06) => "Internal Error",
        (0, 0x07) => "Command Abort Requested",
        (0, 0x0b) => "Invalid Namespace or Format",
        (0, 0x13) => "Invalid PRP Offset",
        (0, 0x80) => "LBA Out of Range",
        (0, 0x81) => "Capacity Exceeded",
        (0, 0x82) => "Namespace Not Ready",
        (1, 0x00) => "Completion Queue Invalid",
        (1, 0x01) => "Invalid Queue Identifier",
        (1, 0x02) => "Invalid Queue Size",
        (2, 0x80) => "Write Fault",
        (2, 0x81) => "Unrecovered Read Error",
        _ => $"status code type {CodeType}, status code 0x{Code:x2}",
    } + $" (SCT {CodeType}, SC 0x{Code:x2}{(DoNotRetry ? ", DNR" : "")})";
}
