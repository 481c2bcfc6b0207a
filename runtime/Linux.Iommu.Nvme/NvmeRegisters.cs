namespace Linux.Iommu.Nvme;

/// <summary>The controller registers in BAR0 and their fields (NVM Express Base Specification 1.4, §3.1 "Register
/// Definition": CAP, VS, INTMS, CC, CSTS, AQA, ASQ, ACQ, and the doorbells from 1000h).</summary>
internal static class NvmeRegisters
{
    public const ulong Cap = 0x00, Version = 0x08, InterruptMaskSet = 0x0c, Config = 0x14, Status = 0x1c, AdminQueueAttributes = 0x24,
        AdminSubmissionQueue = 0x28, AdminCompletionQueue = 0x30, Doorbells = 0x1000;

    // CAP
    public static int MaxQueueEntries(ulong cap) => (int)(cap & 0xffff) + 1;          // MQES, 0's based
    public static TimeSpan ReadyTimeout(ulong cap) => TimeSpan.FromMilliseconds(500 * ((cap >> 24) & 0xff)); // TO, 500 ms units
    public static int DoorbellStride(ulong cap) => 4 << (int)((cap >> 32) & 0xf);     // DSTRD
    public static bool SupportsNvmCommandSet(ulong cap) => ((cap >> 37) & 1) != 0;    // CSS bit 0
    public static int MinPageShift(ulong cap) => 12 + (int)((cap >> 48) & 0xf);       // MPSMIN

    // CC: EN, CSS = NVM (0), MPS = 4 KiB (0), AMS = round robin (0), IOSQES = 2^6 = 64 B, IOCQES = 2^4 = 16 B
    public const uint Enable = 1;
    public const uint QueueEntrySizes = 6 << 16 | 4 << 20;

    // CSTS
    public const uint Ready = 1, Fatal = 2;

    /// <summary>Submission queue y tail doorbell: 1000h + (2y × stride); completion queue y head: 1000h + ((2y + 1) × stride).</summary>
    public static ulong SubmissionTail(int queue, int stride) => Doorbells + (ulong)(2 * queue * stride);

    public static ulong CompletionHead(int queue, int stride) => Doorbells + (ulong)((2 * queue + 1) * stride);
}
