using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A call failed because the running kernel lacks what it needs: an ioctl (the kernel answered ENOTTY) or a
/// flag (EOPNOTSUPP), and the probe (<see cref="IommuFd.Features"/>) confirms the kernel does not have it. Still an
/// <see cref="IommuException"/> with the call's errno and arguments; the message names the feature and the kernel.</summary>
public sealed class KernelFeatureMissingException : IommuException
{
    internal KernelFeatureMissingException(IommuException failure, KernelFeatureState feature, string kernelRelease)
        : this(failure, feature, kernelRelease, KernelAvailability.Evidence(feature.Name))
    {
    }

    private KernelFeatureMissingException(IommuException failure, KernelFeatureState feature, string kernelRelease, string? evidence)
        : base(failure.Operation, failure.Errno,
            $"kernel {kernelRelease} lacks {feature.Name} (probed: {feature.Probe}{(evidence is null ? "" : $"; {evidence}")})" +
            (failure.Context is null ? "" : $"; {failure.Context}"), failure)
    {
        Feature = feature.Name;
        KernelRelease = kernelRelease;
        Evidence = evidence;
    }

    /// <summary>The missing ioctl or flag, by its uAPI name.</summary>
    public string Feature { get; }

    /// <summary>The running kernel's release.</summary>
    public string KernelRelease { get; }

    /// <summary>Which pinned kernel header sets have the feature, from the models this library was generated from
    /// (<see cref="KernelAvailability"/>): "absent from linux-6.1 and linux-6.12, present in linux-7.3"; null when every
    /// set has it.</summary>
    public string? Evidence { get; }
}
