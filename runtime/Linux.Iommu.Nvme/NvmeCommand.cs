using System.Runtime.InteropServices;

namespace Linux.Iommu.Nvme;

/// <summary>A submission queue entry, 64 bytes (NVMe 1.4 §4.2 "Submission Queue Entry – Command Format"): CDW0 = opcode
/// (bits 7:0) and command identifier (31:16), NSID, PRP entry 1 and 2 (PSDT = 0: PRPs), CDW10–15 command specific.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public struct NvmeCommand
{
    /// <summary>Opcode.</summary>
    [FieldOffset(0)] public byte Opcode;
    /// <summary>Command identifier, unique among this queue's outstanding commands.</summary>
    [FieldOffset(2)] public ushort CommandId;
    /// <summary>Namespace identifier.</summary>
    [FieldOffset(4)] public uint NamespaceId;
    /// <summary>PRP entry 1: the first data page (may have an offset).</summary>
    [FieldOffset(24)] public ulong Prp1;
    /// <summary>PRP entry 2: the second page, or the PRP list's address.</summary>
    [FieldOffset(32)] public ulong Prp2;
    /// <summary>Command dword 10.</summary>
    [FieldOffset(40)] public uint Cdw10;
    /// <summary>Command dword 11.</summary>
    [FieldOffset(44)] public uint Cdw11;
    /// <summary>Command dword 12.</summary>
    [FieldOffset(48)] public uint Cdw12;
    /// <summary>Command dword 13.</summary>
    [FieldOffset(52)] public uint Cdw13;
    /// <summary>Command dword 14.</summary>
    [FieldOffset(56)] public uint Cdw14;
    /// <summary>Command dword 15.</summary>
    [FieldOffset(60)] public uint Cdw15;
}

/// <summary>The opcodes this driver sends (NVMe 1.4 Figure 139 "Opcodes for Admin Commands"; NVM command set: Write
/// 01h, Read 02h) with the names errors carry.</summary>
public enum NvmeOpcode : byte
{
    /// <summary>Admin: Delete I/O Submission Queue.</summary>
    DeleteIoSubmissionQueue = 0x00,
    /// <summary>Admin: Create I/O Submission Queue.</summary>
    CreateIoSubmissionQueue = 0x01,
    /// <summary>Admin: Delete I/O Completion Queue.</summary>
    DeleteIoCompletionQueue = 0x04,
    /// <summary>Admin: Create I/O Completion Queue.</summary>
    CreateIoCompletionQueue = 0x05,
    /// <summary>Admin: Identify.</summary>
    Identify = 0x06,
    /// <summary>NVM: Write (on an I/O queue; 01h is Create I/O SQ on the admin queue).</summary>
    Write = 0x01,
    /// <summary>NVM: Read (on an I/O queue).</summary>
    Read = 0x02,
}
