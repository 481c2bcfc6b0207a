using System.Runtime.InteropServices;

namespace Vm.Tests.Runtime;

/// <summary>Runs code as an unprivileged user under a small RLIMIT_MEMLOCK, inside this root test process: one thread
/// switches its own credentials with the raw setresuid system call (credentials are per thread in the kernel; glibc's
/// setresuid would switch every thread) to a real and effective uid that is not 0, which drops its effective
/// capabilities (CAP_IPC_LOCK, which exempts from the limit, among them) while the saved uid 0 lets it switch back.
/// The kernel reads what the map ioctls check — capable(CAP_IPC_LOCK), the current user, the process's RLIMIT_MEMLOCK —
/// from the calling thread and process at the call.</summary>
internal static partial class NonRootThread
{
    public const int Uid = 65534; // nobody

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current, Maximum;
    }

    private const int RLIMIT_MEMLOCK = 8;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c);

    private static long SetresuidNumber => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 147 : 117;

    /// <summary>Runs <paramref name="action"/> as uid <see cref="Uid"/> with RLIMIT_MEMLOCK's soft limit at
    /// <paramref name="memlockLimit"/> bytes (the process's limit, restored after), and returns what it threw, or null.</summary>
    public static Exception? Run(ulong memlockLimit, Action action)
    {
        Assert.Equal(0, GetRLimit(RLIMIT_MEMLOCK, out var saved));
        Assert.Equal(0, SetRLimit(RLIMIT_MEMLOCK, new RLimit { Current = memlockLimit, Maximum = saved.Maximum }));
        Exception? thrown = null;
        try
        {
            var thread = new Thread(() =>
            {
                Assert.Equal(0, Syscall(SetresuidNumber, Uid, Uid, 0));
                try
                {
                    action();
                }
                catch (Exception e)
                {
                    thrown = e;
                }
                finally
                {
                    Syscall(SetresuidNumber, 0, 0, 0);
                }
            });
            thread.Start();
            thread.Join();
        }
        finally
        {
            SetRLimit(RLIMIT_MEMLOCK, saved);
        }
        return thrown;
    }

    /// <summary>A "Name:   N kB" line of /proc/self/status, in bytes.</summary>
    public static ulong Status(string name) =>
        ulong.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim().Split(' ')[0]) << 10;
}
