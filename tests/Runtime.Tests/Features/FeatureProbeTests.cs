using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Features;

/// <summary>The probe's conclusions from the kernel's answers, against <see cref="FakeIommufdDispatch"/> (a mock of
/// the kernel's dispatch order; the VM tier checks the same on real kernels).</summary>
public class FeatureProbeTests
{
    [Fact]
    public void The_probed_ioctls_are_the_iommufd_ioctls_of_the_bindings_and_no_VFIO_one()
    {
        var names = FeatureProbe.Ioctls.Select(i => i.Name).ToList();

        Assert.Contains("IOMMU_DESTROY", names);
        Assert.Contains("IOMMU_IOAS_MAP_FILE", names);
        Assert.Contains("IOMMU_HW_QUEUE_ALLOC", names);
        Assert.DoesNotContain(names, n => n.StartsWith("VFIO_", StringComparison.Ordinal));
        Assert.DoesNotContain("IOMMU_TEST_CMD", names); // the selftest's, not in the runtime's bindings
        Assert.All(FeatureProbe.Ioctls, i => Assert.True((i.Request & 0xff) >= 0x80, $"{i.Name} 0x{i.Request:x}"));
        Assert.Equal(Requests.IOMMU_DESTROY, FeatureProbe.Ioctls[0].Request);
    }

    [Fact]
    public void A_kernel_with_everything_supports_every_ioctl_flag_and_reports_the_ATS_bit()
    {
        var kernel = new FakeIommufdDispatch([], []);
        var features = new KernelFeatures("7.3.4", FeatureProbe.Run(kernel.Issue));

        Assert.All(features.All, s => Assert.True(s.Supported, s.ToString()));
        Assert.True(features.Supports("IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED"));
        Assert.Contains("size 0 -> EINVAL", features.All.First(s => s.Name == "IOMMU_IOAS_MAP_FILE").Probe);
    }

    [Fact]
    public void A_6_12_kernel_lacks_the_newer_ioctls_and_flag_and_does_not_report_the_ATS_bit()
    {
        var kernel = FakeIommufdDispatch.Linux612();
        var features = new KernelFeatures("6.12.117", FeatureProbe.Run(kernel.Issue));

        foreach (var name in new[] { "IOMMU_IOAS_MAP_FILE", "IOMMU_IOAS_CHANGE_PROCESS", "IOMMU_VIOMMU_ALLOC", "IOMMU_VDEVICE_ALLOC", "IOMMU_VEVENTQ_ALLOC", "IOMMU_HW_QUEUE_ALLOC", "IOMMU_IOAS_NOIOMMU_GET_PA", "IOMMU_HW_INFO_FLAG_INPUT_TYPE" })
        {
            Assert.False(features.Supports(name), name);
        }
        Assert.True(features.Supports("IOMMU_IOAS_MAP"));
        Assert.True(features.Supports("IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR"));
        var ats = features.All.Single(s => s.Name == "IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED");
        Assert.False(ats.Supported);
        Assert.Equal(KernelFeatureKind.ReportedBit, ats.Kind);
        Assert.Contains("lacks IOMMU_IOAS_MAP_FILE", ats.Probe);
        Assert.Contains("of linux-7.3, the first pinned uAPI with the bit", ats.Probe);
        Assert.Contains("EOPNOTSUPP", features.All.Single(s => s.Name == "IOMMU_HW_INFO_FLAG_INPUT_TYPE").Probe);
    }

    [Fact]
    public void No_ioctl_probe_sends_a_size_a_handler_would_run_with()
    {
        var kernel = new FakeIommufdDispatch([], []);
        FeatureProbe.Run(kernel.Issue);

        var ioctlProbes = kernel.Calls.Take(FeatureProbe.Ioctls.Count).ToList();
        Assert.All(ioctlProbes, c => Assert.Equal(0u, c.Size));
        Assert.Equal(FeatureProbe.Ioctls.Select(i => i.Request), ioctlProbes.Select(c => c.Request));
        // the flag probes do run handlers: each with its flag set and id 0 (the kernel checks flags before it looks up an id)
        var handlerProbes = kernel.Calls.Skip(FeatureProbe.Ioctls.Count).ToDictionary(c => c.Request, c => c.Argument);
        Assert.Equal(3, handlerProbes.Count);
        var info = MemoryMarshal.Read<iommu_hw_info>(handlerProbes[Requests.IOMMU_GET_HW_INFO]);
        Assert.Equal((1u, 0u), (info.flags, info.dev_id));
        var get = MemoryMarshal.Read<iommu_hwpt_get_dirty_bitmap>(handlerProbes[Requests.IOMMU_HWPT_GET_DIRTY_BITMAP]);
        Assert.Equal((1u, 0u), (get.flags, get.hwpt_id));
        var set = MemoryMarshal.Read<iommu_hwpt_set_dirty_tracking>(handlerProbes[Requests.IOMMU_HWPT_SET_DIRTY_TRACKING]);
        Assert.Equal((1u, 0u), (set.flags, set.hwpt_id));
    }

    [Fact]
    public void A_flag_of_an_absent_ioctl_is_absent_without_a_call()
    {
        var kernel = new FakeIommufdDispatch(["IOMMU_GET_HW_INFO"], []);
        var features = new KernelFeatures("6.5.0", FeatureProbe.Run(kernel.Issue));

        Assert.False(features.Supports("IOMMU_HW_INFO_FLAG_INPUT_TYPE"));
        Assert.Equal("its ioctl IOMMU_GET_HW_INFO is absent", features.All.Single(s => s.Name == "IOMMU_HW_INFO_FLAG_INPUT_TYPE").Probe);
        Assert.DoesNotContain(kernel.Calls, c => c.Request == Requests.IOMMU_GET_HW_INFO && c.Size != 0);
    }

    [Fact]
    public void Asking_for_a_feature_that_is_not_probed_names_the_ones_that_are()
    {
        var features = new KernelFeatures("7.3.4", FeatureProbe.Run(new FakeIommufdDispatch([], []).Issue));

        var e = Assert.Throws<ArgumentException>(() => features.Supports("IOMMU_IOAS_MAP_FLIE"));
        Assert.Contains("IOMMU_IOAS_MAP_FLIE is not a probed kernel feature", e.Message);
        Assert.Contains("IOMMU_IOAS_MAP_FILE", e.Message);
    }

    [Fact]
    public void The_missing_feature_error_names_the_feature_the_kernel_and_the_probe_and_keeps_the_call()
    {
        var features = new KernelFeatures("6.12.117", FeatureProbe.Run(FakeIommufdDispatch.Linux612().Issue));
        var failure = new IommuException("IOMMU_IOAS_MAP_FILE", Errno.ENOTTY, "flags 0x7, ioas_id 1, fd 5");

        var e = new KernelFeatureMissingException(failure, features.All.Single(s => s.Name == "IOMMU_IOAS_MAP_FILE"), features.KernelRelease);

        Assert.IsAssignableFrom<IommuException>(e);
        Assert.Equal(("IOMMU_IOAS_MAP_FILE", "6.12.117", Errno.ENOTTY), (e.Feature, e.KernelRelease, e.Errno));
        Assert.Same(failure, e.InnerException);
        Assert.StartsWith("IOMMU_IOAS_MAP_FILE failed: ENOTTY (25): ", e.Message);
        Assert.Equal(KernelAvailability.Evidence("IOMMU_IOAS_MAP_FILE"), e.Evidence);
        Assert.Contains("present in linux-7.3", e.Evidence);
        Assert.Contains("linux-6.12", e.Evidence);
        Assert.Contains($"kernel 6.12.117 lacks IOMMU_IOAS_MAP_FILE (probed: size 0 -> ENOTTY: no such iommufd ioctl in this kernel; {e.Evidence}); flags 0x7, ioas_id 1, fd 5", e.Message);
    }
}
