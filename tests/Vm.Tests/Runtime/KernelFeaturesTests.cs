using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary><see cref="IommuFd.Features"/> against the real kernel: on 7.3 every iommufd ioctl of the model is there
/// and the ATS bit is reported; on 6.12 exactly the ioctls and the flag new in the models' diff (headers/models/diffs/linux-6.12..linux-7.3.x86_64.md) are absent.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class KernelFeaturesTests
{
    /// <summary>What linux-6.12 lacks of linux-7.3's iommufd (the committed models' diff).</summary>
    private static readonly string[] NewerThan612 =
    [
        "IOMMU_IOAS_MAP_FILE", "IOMMU_IOAS_CHANGE_PROCESS", "IOMMU_VIOMMU_ALLOC", "IOMMU_VDEVICE_ALLOC", "IOMMU_VEVENTQ_ALLOC",
        "IOMMU_HW_QUEUE_ALLOC", "IOMMU_IOAS_NOIOMMU_GET_PA", "IOMMU_HW_INFO_FLAG_INPUT_TYPE", "IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED",
    ];

    /// <summary>The guest's kernel series, for choosing the expectation only (the probe itself never reads it).</summary>
    private static string Series() => Environment.GetEnvironmentVariable("IOMMU_INTEROP_GUEST_KERNEL") is { Length: > 0 } named
        ? named
        : string.Join('.', File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-').Take(2));

    [Fact]
    [Trait("Category", "Vm")]
    public void Every_iommufd_ioctl_of_the_model_is_probed()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var modelled = KernelModel.Linux73.Ioctls.Where(i => i.Name.StartsWith("IOMMU_", StringComparison.Ordinal) && (i.Request & 0xff) >= 0x80).Select(i => i.Name).Order();
        using var iommu = IommuFd.Open();

        var probed = iommu.Features.All.Where(s => s.Kind == KernelFeatureKind.Ioctl).Select(s => s.Name).Order();

        Assert.Equal(modelled, probed);
    }

    /// <summary>Writes the probe to the tier's result folder: tests/vm/feature-table.sh builds docs/kernels.md's feature × kernel
    /// table from the main boots of every guest kernel, so the table is the probes' answer, not typed by hand.</summary>
    [Fact]
    [Trait("Category", "Vm")]
    public void The_probe_is_recorded_for_the_feature_by_kernel_table()
    {
        var output = Environment.GetEnvironmentVariable("VM_OUT");
        Assert.False(string.IsNullOrEmpty(output), "VM_OUT (run-in-vm's result folder in the guest) is not set");
        var lines = new List<string> { $"# {Series()} {GuestKernel.Release}" };
        if (GuestKernel.Probe(KernelOffer.Iommufd).Present)
        {
            using var iommu = IommuFd.Open();
            lines.AddRange(iommu.Features.All.Select(s => $"{s.Name}\t{s.Kind}\t{(s.Supported ? "yes" : "no")}"));
            Assert.Equal(iommu.Features.All.Count, lines.Skip(1).Distinct().Count());
        }
        else
        {
            lines.Add("no-iommufd");
        }
        File.WriteAllLines(Path.Combine(output!, "kernel-features.tsv"), lines);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_probe_finds_what_this_kernel_has_and_lacks()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        var features = iommu.Features;
        var absent = features.All.Where(s => !s.Supported).Select(s => s.Name).ToList();
        var series = Series();
        var report = features.Describe();

        switch (series)
        {
            case "7.3": Assert.True(absent.Count == 0, report); break;
            case "6.12-iommufd": Assert.True(NewerThan612.Order().SequenceEqual(absent.Order()), report); break;
            default: Assert.Fail($"no expectation for kernel series {series}:\n{report}"); break;
        }
        Assert.Same(features, iommu.Features); // probed once per iommufd
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), features.KernelRelease);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Edus_ATS_is_not_supported_where_the_kernel_knows_the_bit_and_not_reported_where_it_predates_it()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var attached = EduIoas.Open();

        var info = attached.Iommu.GetHwInfo(attached.DeviceId);

        // QEMU's edu has no ATS capability: a kernel that knows the negative bit sets it; 6.12 cannot say
        var expected = attached.Iommu.Features.Supports("IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED") ? true : (bool?)null;
        Assert.Equal(expected, info.AtsNotSupported);
        Assert.Equal(Series() == "7.3", expected == true);
        Assert.Contains($"ATS: {info.AtsText}", info.Describe());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Probing_creates_no_object()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        _ = iommu.Features;

        using var ioas = iommu.AllocIoas();

        Assert.Equal(1u, ioas.Id); // ids start at 1: nothing took one before
    }
}
