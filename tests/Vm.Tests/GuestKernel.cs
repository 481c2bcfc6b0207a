using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests;

/// <summary>The guest kernel the tests run on (6.1, 6.12 or 7.3: tests/vm/tier.sh boots all three) and the gates for
/// what an older one lacks. A test that needs a feature starts with <c>if (!GuestKernel.HasX()) return;</c>: on a
/// kernel without it the gate asserts that the runtime says so precisely, writes what it saw to the test's output, and
/// the test ends passed (the tier counts a skip as a failure: nothing is skipped silently).</summary>
internal static class GuestKernel
{
    /// <summary>The running kernel's release (<c>uname -r</c>).</summary>
    public static string Release { get; } = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>The guest's name as run-in-vm booted it (IOMMU_INTEROP_GUEST_KERNEL), for reports only: the gates look at
    /// the kernel itself.</summary>
    public static string Name => Environment.GetEnvironmentVariable("IOMMU_INTEROP_GUEST_KERNEL") ?? $"unnamed ({Release})";

    /// <summary>True when the kernel serves iommufd (/dev/iommu). When not (6.1), asserts that <see cref="IommuFd.Open"/>
    /// throws ENOENT with the diagnosis: the release, Linux &gt;= 6.2 with CONFIG_IOMMUFD, and the legacy container.</summary>
    public static bool HasIommufd()
    {
        if (IommufdSupport.Available) return true;
        var error = Assert.Throws<IommuException>(() => IommuFd.Open());
        Assert.Equal(Errno.ENOENT, error.Errno);
        foreach (var part in new[] { $"kernel {Release}", "Linux >= 6.2", "CONFIG_IOMMUFD", "legacy VFIO container (VfioContainer" })
            Assert.Contains(part, error.Message);
        Report($"no iommufd in kernel {Release}; IommuFd.Open said: {error.Message}");
        return false;
    }

    /// <summary>True when the kernel gives VFIO devices a cdev (/dev/vfio/devices/vfioN: Linux 6.6 with
    /// CONFIG_VFIO_DEVICE_CDEV; 6.1 has /sys/class/vfio-dev but no cdevs). When not, asserts that the runtime's diagnosis
    /// names the reason (the release older than 6.2 or 6.6, or the option unset): only the group path (/dev/vfio/N) is there.</summary>
    public static bool HasVfioCdev()
    {
        if (Directory.Exists("/dev/vfio/devices")) return true;
        var diagnosis = IommufdSupport.Diagnose();
        Assert.True(new[] { "is older than 6.2", "is older than 6.6", "CONFIG_VFIO_DEVICE_CDEV is not set" }.Any(diagnosis.Contains),
            $"this kernel has no VFIO device cdevs (/dev/vfio/devices), but the diagnosis does not say why: {diagnosis}");
        Report($"no VFIO device cdevs in kernel {Release}: {diagnosis}");
        return false;
    }

    /// <summary>True when the kernel's selftest mock (CONFIG_IOMMUFD_TEST) works in this guest: a MOCK_DOMAIN on a fresh
    /// IOAS (Linux.Iommu.Testing picks the running kernel's mock model by probing). On 7.3 it must. On 6.12 the mock is
    /// there and its model too (iommufd-test-6.12), but 6.12 hands a device without a firmware node to the first IOMMU
    /// registered without one — VT-d in our guests, which refuses the mock device — so binding it answers EINVAL (measured:
    /// booted with intel_iommu=off the 6.12 mock works); the gate asserts that EINVAL and that the error says why, and
    /// returns false. No iommufd at all (6.1): <see cref="HasIommufd"/>'s assertion.</summary>
    public static bool HasSelftestMock()
    {
        if (!HasIommufd()) return false;
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        if (Release.StartsWith(MockModelKernel + ".", StringComparison.Ordinal))
        {
            using var works = Linux.Iommu.Testing.SelftestMock.MockDomain(iommu, ioas);
            return true;
        }
        try
        {
            using var unexpected = Linux.Iommu.Testing.SelftestMock.MockDomain(iommu, ioas);
            return true; // the mock's model matches this kernel after all
        }
        catch (IommuException e) when (e.Errno == Errno.EINVAL)
        {
            Assert.Contains("mock device gets no IOMMU while another IOMMU driver is active", e.Message);
            Report($"kernel {Release}'s selftest mock device cannot bind beside VT-d: {e.Message}");
            return false;
        }
    }

    /// <summary>The kernel series whose mock must work beside VT-d (7.x gives the mock device its own software node);
    /// Linux.Iommu.Testing's bindings are generated from its iommufd_test.h.</summary>
    public const string MockModelKernel = "7.3";

    /// <summary>Writes to the running test's output (kept in the tier's xunit result file).</summary>
    public static void Report(string text) => TestContext.Current.TestOutputHelper?.WriteLine($"[guest kernel {Name}] {text}");
}
