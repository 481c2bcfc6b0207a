namespace Vm.Tests.Runtime;

/// <summary>What this process holds in the kernel, to prove a test left nothing behind.</summary>
internal static class ProcessState
{
    /// <summary>VmPin of /proc/self/status in KiB. iommufd adds every page it pins to mm->pinned_vm whatever its
    /// rlimit accounting mode (drivers/iommu/iommufd/pages.c, iopt_pages_update_pinned), so this counts its pins
    /// even for root, whose CAP_IPC_LOCK turns the rlimit accounting off.</summary>
    public static long PinnedKiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmPin:", StringComparison.Ordinal)) return long.Parse(line["VmPin:".Length..].Trim().Split(' ')[0]);
        }
        throw new InvalidOperationException("/proc/self/status has no VmPin line: this kernel does not report pinned memory");
    }

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
