using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Explains an ENOMEM from a map with a device attached: the kernel pins the pages and charges them to
/// RLIMIT_MEMLOCK (unless the caller has CAP_IPC_LOCK). iommufd charges by default the user's total over all its
/// processes (user_struct locked_vm), or this process's locked_vm under IOMMU_OPTION_RLIMIT_MODE 1; VFIO type1 charges
/// this process's locked_vm (VmLck). Every mode also counts the pins in VmPin (iommufd) or VmLck (type1) of
/// /proc/self/status, which is what this process can see of it.</summary>
internal static class MemlockLimit
{
    /// <summary>The detail for a failed map of <paramref name="length"/> bytes: the caller's <paramref name="detail"/>, then
    /// for ENOMEM the limit, what this process has pinned and locked, what the call needs and the fixes; null when there
    /// is neither (the argument alone says it).</summary>
    public static string? Explain(int errno, ulong length, string? detail = null)
    {
        if (errno != Errno.ENOMEM) return detail;
        return detail is null ? Advice(length) : $"{detail}; {Advice(length)}";
    }

    private static string Advice(ulong length)
    {
        var limit = Posix.GetRLimit(Posix.RLIMIT_MEMLOCK, out var rlimit) == 0 ? rlimit.Current : ulong.MaxValue;
        var limitText = limit == ulong.MaxValue ? "unlimited" : Readable.Bytes(limit);
        return $"RLIMIT_MEMLOCK is {limitText}; this process has {Readable.Bytes(StatusKiB("VmPin:") << 10)} pinned (VmPin) and " +
               $"{Readable.Bytes(StatusKiB("VmLck:") << 10)} locked (VmLck); this map needs {Readable.Bytes(length)} more. " +
               "Raise the limit (ulimit -l, prlimit --memlock, systemd LimitMEMLOCK=) or run with CAP_IPC_LOCK; an iommufd charges the " +
               "user's total over all its processes unless IOMMU_OPTION_RLIMIT_MODE counts per process (IommuFd.SetMemlockAccounting(MemlockAccounting.Process), " +
               "needs CAP_SYS_RESOURCE, before anything is mapped)";
    }

    /// <summary>A "Name:   N kB" line of /proc/self/status in KiB, 0 when the kernel has no such line.</summary>
    private static ulong StatusKiB(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal)) return ulong.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
