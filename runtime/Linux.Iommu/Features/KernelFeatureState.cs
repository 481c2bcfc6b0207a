namespace Linux.Iommu;

/// <summary>What a kernel feature is: an ioctl, a flag of an ioctl, or a bit the kernel reports in a result.</summary>
public enum KernelFeatureKind
{
    /// <summary>An iommufd ioctl (IOMMU_IOAS_MAP_FILE...).</summary>
    Ioctl,
    /// <summary>An input flag of an ioctl (IOMMU_HW_INFO_FLAG_INPUT_TYPE...).</summary>
    Flag,
    /// <summary>A capability bit the kernel sets in a result (IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED...): "supported"
    /// means this kernel reports the bit, so its absence says something.</summary>
    ReportedBit,
}

/// <summary>One probed feature of the running kernel: its uAPI name, whether the kernel has it, and how the probe
/// found out (the call made and the kernel's answer), so a reader can check the conclusion.</summary>
public sealed record KernelFeatureState(string Name, KernelFeatureKind Kind, bool Supported, string Probe)
{
    /// <summary>"IOMMU_IOAS_MAP_FILE: yes (size 0 -> EINVAL: ...)".</summary>
    public override string ToString() => $"{Name}: {(Supported ? "yes" : "no")} ({Probe})";
}
