using Linux.Iommu.Native;
using System.Runtime.InteropServices;
using System.Text;

namespace Vm.Tests.FaultInjection;

/// <summary>The kernel's per-task fault injection (/proc/self/task/TID/fail-nth, Documentation/fault-injection):
/// writing N makes the Nth fault-injection point this task reaches fail; reading gives the count still to go, 0
/// once it fired. One instance belongs to the OS thread that created it, the thread that must make the calls.</summary>
internal sealed unsafe partial class FailNth : IDisposable
{
    private readonly int _fd;
    private readonly int _tid;

    public FailNth()
    {
        _tid = Libc.Gettid();
        _fd = Posix.Open($"/proc/self/task/{_tid}/fail-nth", Posix.O_RDWR);
        if (_fd < 0) throw new IOException($"open /proc/self/task/{_tid}/fail-nth: errno {Marshal.GetLastPInvokeError()} (CONFIG_FAULT_INJECTION missing?)");
    }

    /// <summary>As iommufd_fail_nth.c's setup_fault_injection: every allocation may be failed (GFP_KERNEL ones wait,
    /// so "ignore-gfp-wait" must be off), and the injectors stay quiet (the test looks for real splats, not theirs).</summary>
    public static void EnableForAllAllocations()
    {
        const string debugfs = "/sys/kernel/debug";
        if (!Directory.Exists(Path.Combine(debugfs, "failslab")) || !Directory.Exists(Path.Combine(debugfs, "fail_page_alloc")))
            throw new InvalidOperationException($"{debugfs}/failslab and fail_page_alloc are missing: debugfs must be mounted (tests/vm/guest-init.sh) " +
                "and the kernel built with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS (tests/vm/iommufd.config)");
        Write(Path.Combine(debugfs, "failslab", "ignore-gfp-wait"), "N");
        Write(Path.Combine(debugfs, "fail_page_alloc", "ignore-gfp-wait"), "N");
        Write(Path.Combine(debugfs, "fail_page_alloc", "ignore-gfp-highmem"), "N");
        foreach (var injector in Directory.EnumerateDirectories(debugfs, "fail*"))
        {
            var verbose = Path.Combine(injector, "verbose");
            if (File.Exists(verbose)) Write(verbose, "0");
        }
    }

    /// <summary>The calling thread must be the one this instance was made on: fail-nth counts only that task's points.</summary>
    public void ThrowIfOtherThread()
    {
        if (Libc.Gettid() != _tid) throw new InvalidOperationException($"fail-nth of task {_tid} used from task {Libc.Gettid()}");
    }

    /// <summary>Arms the <paramref name="n"/>th injection point from now on.</summary>
    public void Arm(int n)
    {
        var text = Encoding.ASCII.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fixed (byte* p = text)
        {
            if (Posix.Pwrite(_fd, p, (nuint)text.Length, 0) != text.Length) throw new IOException($"write fail-nth: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Disarms; true when the armed point was reached (and failed), false when the call reached fewer points.</summary>
    public bool Disarm()
    {
        var buffer = stackalloc byte[32];
        var read = Posix.Pread(_fd, buffer, 32, 0);
        var zero = (byte)'0';
        if (Posix.Pwrite(_fd, &zero, 1, 0) != 1) throw new IOException($"write fail-nth: errno {Marshal.GetLastPInvokeError()}");
        if (read < 2) throw new IOException($"read fail-nth: {read}, errno {Marshal.GetLastPInvokeError()}");
        return read == 2 && buffer[0] == '0' && buffer[1] == '\n';
    }

    public void Dispose() => Libc.Close(_fd);

    private static void Write(string path, string value)
    {
        // debugfs attributes cannot seek, so a plain stream (write(2)) rather than RandomAccess (pwrite)
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        stream.Write(Encoding.ASCII.GetBytes(value));
    }
}
