using Linux.Iommu;

namespace Vm.Tests;

/// <summary>The guest kernel the tests run on (tests/vm/tier.sh boots ours and Debian's own) and the gate of a test that
/// needs what some kernels lack: <c>GuestKernel.Require(KernelOffer.Iommufd);</c>. A kernel that lacks it and whose boot
/// declares so (tests/vm/kernel-offers.conf) makes the test "not applicable" (a skip whose reason says so, counted apart
/// by the tier, never as passed); a kernel that lacks a declared offer, or has one its boot leaves out, fails the test.
/// What each absent offer's diagnosis says is asserted once per kernel, by <see cref="Runtime.AbsentOfferDiagnosisTests"/>.</summary>
internal static class GuestKernel
{
    /// <summary>The reason every not-applicable skip starts with (tests/vm/tier.sh counts them by it).</summary>
    public const string NotApplicable = "not applicable:";

    /// <summary>The running kernel's release (<c>uname -r</c>).</summary>
    public static string Release { get; } = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>The guest's name as run-in-vm booted it (IOMMU_INTEROP_GUEST_KERNEL), for reports only: the gates look at
    /// the kernel itself.</summary>
    public static string Name => Environment.GetEnvironmentVariable("IOMMU_INTEROP_GUEST_KERNEL") ?? $"unnamed ({Release})";

    private static readonly Dictionary<KernelOffer, (bool Present, string Evidence)> Probed = [];

    /// <summary>Returns when the kernel offers <paramref name="offer"/>; otherwise ends the test as not applicable, or
    /// fails it when the boot declared the offer (or when the kernel has an offer its boot leaves out).</summary>
    public static void Require(KernelOffer offer)
    {
        var (present, evidence) = Probe(offer);
        var declared = KernelOfferNames.Declared?.Contains(offer) ?? present;
        if (present != declared)
        {
            Assert.Fail($"kernel {Name} ({Release}) {(present ? "has" : "lacks")} {offer.Name()}, but its boot declares it " +
                        $"{(declared ? "offered" : "not offered")} (tests/vm/kernel-offers.conf): {evidence}");
        }
        if (!present) Assert.Skip($"{NotApplicable} needs {offer.Name()}, which kernel {Name} ({Release}) does not offer");
    }

    /// <summary>Whether the kernel really has <paramref name="offer"/> (asked once per process), and what showed it.</summary>
    public static (bool Present, string Evidence) Probe(KernelOffer offer)
    {
        lock (Probed)
        {
            if (!Probed.TryGetValue(offer, out var result)) Probed[offer] = result = Ask(offer);
            return result;
        }
    }

    private static (bool, string) Ask(KernelOffer offer)
    {
        switch (offer)
        {
            case KernelOffer.Iommufd:
                return (IommufdSupport.Available, IommufdSupport.Available ? $"{IommufdSupport.DevIommu} exists" : IommufdSupport.Diagnose());
            case KernelOffer.VfioCdev:
                return Directory.Exists("/dev/vfio/devices") ? (true, "/dev/vfio/devices exists") : (false, "no /dev/vfio/devices");
            case KernelOffer.MapFile or KernelOffer.ChangeProcess:
            {
                if (!Probe(KernelOffer.Iommufd).Present) return (false, "no iommufd");
                var ioctl = offer == KernelOffer.MapFile ? "IOMMU_IOAS_MAP_FILE" : "IOMMU_IOAS_CHANGE_PROCESS";
                using var iommu = IommuFd.Open();
                var supported = iommu.Features.Supports(ioctl);
                return (supported, $"the probe says {ioctl} is {(supported ? "present" : "absent")}");
            }
            case KernelOffer.SelftestMock:
            {
                if (!Probe(KernelOffer.Iommufd).Present) return (false, "no iommufd");
                using var iommu = IommuFd.Open();
                using var ioas = iommu.AllocIoas();
                try
                {
                    using var mock = Linux.Iommu.Testing.SelftestMock.MockDomain(iommu, ioas);
                    return (true, "a mock device bound to a fresh IOAS");
                }
                catch (IommuException e)
                {
                    return (false, $"a mock device did not bind: {e.Message}");
                }
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(offer), offer, null);
        }
    }

    /// <summary>Writes to the running test's output (kept in the tier's xunit result file).</summary>
    public static void Report(string text) => TestContext.Current.TestOutputHelper?.WriteLine($"[guest kernel {Name}] {text}");
}
