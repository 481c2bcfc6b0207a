using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>What this process holds in the kernel, to prove a test left nothing behind.</summary>
internal static class ProcessState
{
    /// <summary>VmPin of /proc/self/status in KiB. iommufd adds every page it pins to mm->pinned_vm whatever its
    /// rlimit accounting mode (drivers/iommu/iommufd/pages.c, iopt_pages_update_pinned), so this counts its pins
    /// even for root, whose CAP_IPC_LOCK turns the rlimit accounting off.</summary>
    public static long PinnedKiB() => StatusKiB("VmPin");

    /// <summary>VmLck of /proc/self/status in KiB: mm->locked_vm, where the type1 container charges the pages it pins
    /// (vfio_lock_acct, also for root: CAP_IPC_LOCK only lifts the limit).</summary>
    public static long LockedKiB() => StatusKiB("VmLck");

    /// <summary>What this process has pinned for DMA through <paramref name="backend"/>, in KiB: iommufd counts its pins
    /// in VmPin, the type1 container in VmLck.</summary>
    public static long PinnedKiB(IommuBackend backend) => backend == IommuBackend.Iommufd ? PinnedKiB() : LockedKiB();

    private static long StatusKiB(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0]);
        }
        throw new InvalidOperationException($"/proc/self/status has no {name} line: this kernel does not report it");
    }

    /// <summary>The interrupts vfio-pci has requested for the device at <paramref name="pciAddress"/>: the lines of
    /// /proc/interrupts naming its handlers (vfio-intx(ADDRESS), vfio-msi[N](ADDRESS), vfio-msix[N](ADDRESS)), which
    /// exist exactly while an index is armed.</summary>
    public static IReadOnlyList<string> VfioInterrupts(string pciAddress) =>
        File.ReadLines("/proc/interrupts").Where(line => line.Contains("vfio-", StringComparison.Ordinal) && line.Contains($"({pciAddress})", StringComparison.Ordinal))
            .Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();

    /// <summary>How many interrupts the guest kernel has handled for the device's vfio handlers: the per-CPU counts of
    /// the <see cref="VfioInterrupts"/> lines, summed.</summary>
    public static long VfioInterruptsHandled(string pciAddress) =>
        VfioInterrupts(pciAddress).Sum(line => line.Split(' ').Skip(1).TakeWhile(field => field.All(char.IsAsciiDigit)).Sum(long.Parse));

    /// <summary>Open eventfds of this process (anon_inode:[eventfd]).</summary>
    public static int OpenEventFds() =>
        Directory.GetFileSystemEntries("/proc/self/fd").Count(fd => Target(fd) == "anon_inode:[eventfd]");

    /// <summary>Open descriptors of IOMMU and VFIO devices (/dev/iommu, /dev/vfio/...). Only these: the runtime, the test
    /// host and the GC open and close other files at any time, so a count of all of them is not this test's to judge.</summary>
    public static int OpenIommuDescriptors() =>
        Directory.GetFileSystemEntries("/proc/self/fd").Count(fd => Target(fd) is { } target &&
            (target.StartsWith("/dev/iommu", StringComparison.Ordinal) || target.StartsWith("/dev/vfio", StringComparison.Ordinal)));

    private static string? Target(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed between the listing and the readlink
        }
    }
}
