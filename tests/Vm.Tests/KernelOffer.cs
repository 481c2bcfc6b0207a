namespace Vm.Tests;

/// <summary>What a guest kernel offers that some tests need. Each boot declares its kernel's offers
/// (tests/vm/kernel-offers.conf, in IOMMU_INTEROP_KERNEL_OFFERS); <see cref="GuestKernel.Require"/> holds the kernel to
/// that declaration.</summary>
public enum KernelOffer
{
    /// <summary>iommufd (/dev/iommu, CONFIG_IOMMUFD).</summary>
    Iommufd,
    /// <summary>VFIO device cdevs (/dev/vfio/devices/vfioN, CONFIG_VFIO_DEVICE_CDEV, Linux 6.6).</summary>
    VfioCdev,
    /// <summary>IOMMU_IOAS_MAP_FILE (Linux 6.13).</summary>
    MapFile,
    /// <summary>IOMMU_IOAS_CHANGE_PROCESS (Linux 6.13).</summary>
    ChangeProcess,
    /// <summary>The kernel selftest's mock IOMMU (CONFIG_IOMMUFD_TEST), usable beside the guest's own IOMMU.</summary>
    SelftestMock,
}

/// <summary>The names of <see cref="KernelOffer"/> in tests/vm/kernel-offers.conf.</summary>
internal static class KernelOfferNames
{
    public static string Name(this KernelOffer offer) => offer switch
    {
        KernelOffer.Iommufd => "iommufd",
        KernelOffer.VfioCdev => "vfio-cdev",
        KernelOffer.MapFile => "map-file",
        KernelOffer.ChangeProcess => "change-process",
        KernelOffer.SelftestMock => "selftest-mock",
        _ => throw new ArgumentOutOfRangeException(nameof(offer), offer, null),
    };

    /// <summary>The offers the boot declared, or null outside the tier (no declaration: the kernel is taken as it is).</summary>
    public static IReadOnlySet<KernelOffer>? Declared { get; } = Parse(Environment.GetEnvironmentVariable("IOMMU_INTEROP_KERNEL_OFFERS"));

    private static HashSet<KernelOffer>? Parse(string? text)
    {
        if (text is null) return null;
        var byName = Enum.GetValues<KernelOffer>().ToDictionary(o => o.Name(), StringComparer.Ordinal);
        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(name => byName.TryGetValue(name, out var offer) ? offer
                : throw new InvalidOperationException($"IOMMU_INTEROP_KERNEL_OFFERS names '{name}', which is none of {string.Join(", ", byName.Keys)}"))
            .ToHashSet();
    }
}
