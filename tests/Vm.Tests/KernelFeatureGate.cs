using Linux.Iommu;
using Vm.Tests.Runtime;

namespace Vm.Tests;

/// <summary>The gate of a test that needs an iommufd feature some guest kernels lack (6.12 has no IOMMU_IOAS_MAP_FILE...):
/// <c>if (!KernelFeatureGate.Require("IOMMU_IOAS_MAP_FILE")) return;</c>. On a kernel without it, the gate asserts that the
/// probe (<see cref="IommuFd.Features"/>) says absent AND that the runtime's own call throws
/// <see cref="KernelFeatureMissingException"/> naming the feature and the kernel, then the test ends passed with that in
/// its output (never skipped). On a kernel without iommufd at all (6.1): <see cref="GuestKernel.HasIommufd"/>.</summary>
internal static class KernelFeatureGate
{
    /// <summary>The runtime call that needs each gated feature, on a fresh iommufd of a kernel that lacks it.</summary>
    private static readonly Dictionary<string, Action<IommuFd>> RuntimeCall = new(StringComparer.Ordinal)
    {
        ["IOMMU_IOAS_MAP_FILE"] = iommu =>
        {
            using var ioas = iommu.AllocIoas();
            using var memfd = UserMemory.Memfd(new byte[4096]);
            ioas.MapFile(1 << 20, memfd, 0, 4096, DmaAccess.Read);
        },
        ["IOMMU_IOAS_CHANGE_PROCESS"] = iommu => iommu.ChangeProcess(),
    };

    /// <summary>True when the running kernel has <paramref name="feature"/> (a uAPI name the probe knows); false after
    /// asserting what a kernel without it must say.</summary>
    public static bool Require(string feature)
    {
        if (!GuestKernel.HasIommufd()) return false;
        using var iommu = IommuFd.Open();
        if (iommu.Features.Supports(feature)) return true;
        var call = RuntimeCall.GetValueOrDefault(feature)
            ?? throw new ArgumentException($"no runtime call for {feature} in {nameof(KernelFeatureGate)}: add the call that needs it", nameof(feature));
        var error = Assert.Throws<KernelFeatureMissingException>(() => call(iommu));
        Assert.Equal(feature, error.Feature);
        Assert.Equal(GuestKernel.Release, error.KernelRelease);
        Assert.Contains(feature, error.Message);
        GuestKernel.Report($"the probe says {feature} is absent and the runtime threw: {error.Message}");
        return false;
    }
}
