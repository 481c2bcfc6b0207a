using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>Once per kernel, for every <see cref="KernelOffer"/>: a declared offer is there, and an absent one is explained
/// by the runtime precisely (the error a user of that kernel meets). The gates of the other tests only skip as not
/// applicable; this is where absence is asserted.</summary>
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class AbsentOfferDiagnosisTests
{
    public static TheoryData<KernelOffer> Offers => new(Enum.GetValues<KernelOffer>());

    [Theory]
    [MemberData(nameof(Offers))]
    [Trait("Category", "Vm")]
    public void An_offer_is_there_as_declared_or_its_absence_is_diagnosed(KernelOffer offer)
    {
        var (present, evidence) = GuestKernel.Probe(offer);
        var declared = KernelOfferNames.Declared ?? throw new InvalidOperationException("IOMMU_INTEROP_KERNEL_OFFERS is not set: run in the tier (run-in-vm)");
        Assert.True(present == declared.Contains(offer),
            $"kernel {GuestKernel.Name} {(present ? "has" : "lacks")} {offer.Name()}; declared: {string.Join(' ', declared.Select(o => o.Name()))}: {evidence}");
        if (present) return;

        var diagnosis = offer switch
        {
            KernelOffer.Iommufd => IommufdMissing(),
            KernelOffer.VfioCdev => VfioCdevMissing(),
            KernelOffer.MapFile => FeatureMissing(KernelOffer.MapFile, "IOMMU_IOAS_MAP_FILE", iommu =>
            {
                using var ioas = iommu.AllocIoas();
                using var memfd = UserMemory.Memfd(new byte[4096]);
                ioas.MapFile(1 << 20, memfd, 0, 4096, DmaAccess.Read);
            }),
            KernelOffer.ChangeProcess => FeatureMissing(KernelOffer.ChangeProcess, "IOMMU_IOAS_CHANGE_PROCESS", iommu => iommu.ChangeProcess()),
            KernelOffer.SelftestMock => SelftestMockMissing(),
            _ => throw new ArgumentOutOfRangeException(nameof(offer), offer, null),
        };
        GuestKernel.Report($"{offer.Name()} absent: {diagnosis}");
    }

    /// <summary>IommuFd.Open's error names the release, the option (on Debian's kernels: built without it, the
    /// distribution's choice) and the type1 container the kernel offers instead.</summary>
    private static string IommufdMissing()
    {
        var error = Assert.Throws<IommuException>(() => IommuFd.Open());
        Assert.Equal(Errno.ENOENT, error.Errno);
        foreach (var part in new[] { $"kernel {GuestKernel.Release}", "CONFIG_IOMMUFD", "legacy VFIO type1 container", "VfioDeviceSet.Open" })
            Assert.Contains(part, error.Message);
        // Debian's images keep their config as /boot/config-RELEASE (run-in-vm shows it there): built without iommufd
        var config = $"/boot/config-{GuestKernel.Release}";
        if (File.Exists(config) && File.ReadLines(config).Contains("# CONFIG_IOMMUFD is not set"))
            Assert.Contains($"CONFIG_IOMMUFD is not set in {config}: this kernel was built without it (the distribution's choice", error.Message);
        return error.Message;
    }

    /// <summary>The diagnosis says why there are no VFIO device cdevs: the release is too old or the option is unset.</summary>
    private static string VfioCdevMissing()
    {
        var diagnosis = IommufdSupport.Diagnose();
        Assert.True(new[] { "is older than 6.2", "is older than 6.6", "CONFIG_VFIO_DEVICE_CDEV is not set" }.Any(diagnosis.Contains),
            $"this kernel has no VFIO device cdevs (/dev/vfio/devices), but the diagnosis does not say why: {diagnosis}");
        return diagnosis;
    }

    /// <summary>Without iommufd the diagnosis is iommufd's; with it, the probe says absent and the runtime's own call throws
    /// <see cref="KernelFeatureMissingException"/> naming the ioctl and the kernel.</summary>
    private static string FeatureMissing(KernelOffer offer, string ioctl, Action<IommuFd> call)
    {
        if (!GuestKernel.Probe(KernelOffer.Iommufd).Present) return IommufdMissing();
        using var iommu = IommuFd.Open();
        Assert.False(iommu.Features.Supports(ioctl), $"{offer.Name()}: the probe says {ioctl} is present");
        var error = Assert.Throws<KernelFeatureMissingException>(() => call(iommu));
        Assert.Equal(ioctl, error.Feature);
        Assert.Equal(GuestKernel.Release, error.KernelRelease);
        Assert.Contains(ioctl, error.Message);
        return error.Message;
    }

    /// <summary>Without iommufd the diagnosis is iommufd's; with it, binding a mock device fails with an error that names
    /// IOMMU_TEST_CMD (and on 6.12 beside VT-d, why its mock device gets no IOMMU).</summary>
    private static string SelftestMockMissing()
    {
        if (!GuestKernel.Probe(KernelOffer.Iommufd).Present) return IommufdMissing();
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        var error = Assert.ThrowsAny<IommuException>(() => Linux.Iommu.Testing.SelftestMock.MockDomain(iommu, ioas).Dispose());
        Assert.Contains("IOMMU_TEST_CMD", error.Message);
        if (GuestKernel.Release.StartsWith("6.12.", StringComparison.Ordinal) && error.Errno == Errno.EINVAL)
            Assert.Contains("mock device gets no IOMMU while another IOMMU driver is active", error.Message);
        return error.Message;
    }
}
