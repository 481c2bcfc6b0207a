using Linux.Iommu;
using Linux.Iommu.Native;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Vm.Tests.FaultInjection;

/// <summary>The kernel log from a point on (/dev/kmsg, one record per read), to see whether error paths left a splat:
/// iommufd_fail_nth.c exists to find "WARN/OOPS/kasan/etc splats" in the unwinding of failed calls.</summary>
internal sealed unsafe partial class KernelLog : IDisposable
{
    private readonly int _fd;

    private KernelLog(int fd) => _fd = fd;

    /// <summary>Starts reading at the end of the log: only what is logged from now on is seen.</summary>
    public static KernelLog FromNow()
    {
        var fd = Posix.Open("/dev/kmsg", Libc.O_RDONLY | Libc.O_NONBLOCK);
        if (fd < 0) throw new IOException($"open /dev/kmsg: errno {Marshal.GetLastPInvokeError()}");
        if (Libc.Lseek(fd, 0, Libc.SEEK_END) < 0) throw new IOException($"lseek /dev/kmsg: errno {Marshal.GetLastPInvokeError()}");
        return new KernelLog(fd);
    }

    /// <summary>The messages logged since <see cref="FromNow"/> or the last call.</summary>
    public List<string> Read()
    {
        var lines = new List<string>();
        var buffer = new byte[8192]; // a read shorter than the record fails: kmsg records are at most ~1 KiB
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Read(_fd, p, (nuint)buffer.Length);
                if (n > 0)
                {
                    var record = Encoding.UTF8.GetString(buffer, 0, (int)n);
                    var text = record[(record.IndexOf(';') + 1)..]; // "prio,seq,usec,flags;message\n KEY=VALUE..."
                    lines.Add(text.Split('\n')[0]);
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == Errno.EPIPE) continue; // records were overwritten before we read them; go on from the oldest
                if (n < 0 && errno != Errno.EAGAIN) throw new IOException($"read /dev/kmsg: errno {errno}");
                return lines;
            }
        }
    }

    /// <summary>The lines of <paramref name="lines"/> that start a kernel splat (WARN_ON, BUG, oops, sanitizer reports).</summary>
    public static List<string> Splats(IEnumerable<string> lines) => lines.Where(l => Splat().IsMatch(l)).ToList();

    public void Dispose() => Libc.Close(_fd);

    [GeneratedRegex(@"WARNING:|BUG:|kernel BUG|Oops|general protection fault|UBSAN:|KASAN:|refcount_t:|list_(add|del) corruption")]
    private static partial Regex Splat();
}
