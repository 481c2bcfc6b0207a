using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;
using static Linux.Iommu.Testing.Native.SelftestConstants;

namespace Vm.Tests.Mock;

/// <summary>Linux.Iommu.Testing finds the running kernel's selftest mock by asking the kernel (<see cref="SelftestKernel"/>)
/// and names what that mock lacks with the models' evidence. The release string is only this test's yardstick.</summary>
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernels have it
public sealed class SelftestKernelTests
{
    /// <summary>iommufd-test-MAJOR.MINOR of <c>uname -r</c>.</summary>
    private static string SetOfRelease()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim().Split('.', '-');
        return $"iommufd-test-{release[0]}.{release[1]}";
    }

    // 6.12 hands a device without a firmware node to the first IOMMU registered without one: VT-d, when it is on.
    private static bool VtdIsOn => Directory.Exists("/sys/class/iommu") && Directory.EnumerateDirectories("/sys/class/iommu", "dmar*").Any();

    [Fact]
    [Trait("Category", "Vm")]
    public void The_running_kernels_mock_is_found_by_probing_it()
    {
        GuestKernel.Require(KernelOffer.Iommufd); // no iommufd, no mock
        using var iommu = IommuFd.Open();

        Assert.Equal(SetOfRelease(), SelftestKernel.KernelSet(iommu));
        TestContext.Current.SendDiagnosticMessage($"kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}: selftest mock {SelftestKernel.KernelSet(iommu)}");
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_device_flag_the_running_mock_lacks_is_refused_naming_the_models_evidence()
    {
        GuestKernel.Require(KernelOffer.Iommufd); // no iommufd, no mock
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        var set = SelftestKernel.KernelSet(iommu);

        if (SelftestKernelAvailability.IsIn(nameof(MOCK_FLAGS_DEVICE_PASID), set))
        {
            using var device = SelftestMock.MockDomain(iommu, ioas.Id, MOCK_FLAGS_DEVICE_PASID);
            Assert.NotEqual(0u, device.IdevId);
            return;
        }
        var error = Assert.Throws<IommuException>(() => SelftestMock.MockDomain(iommu, ioas.Id, MOCK_FLAGS_DEVICE_PASID));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains($"MOCK_FLAGS_DEVICE_PASID is not in {set}, this kernel's mock (absent from {set}, present in iommufd-test-7.3)", error.Message);
        TestContext.Current.SendDiagnosticMessage($"{set}: {error.Message}");
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_612_mock_device_beside_VTd_fails_saying_why_else_it_attaches()
    {
        GuestKernel.Require(KernelOffer.Iommufd); // no iommufd, no mock
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();

        if (SelftestKernel.KernelSet(iommu) == "iommufd-test-6.12" && VtdIsOn)
        {
            var error = Assert.Throws<IommuException>(() => SelftestMock.MockDomain(iommu, ioas));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Contains("a 6.12 kernel's mock device gets no IOMMU while another IOMMU driver is active (VT-d: boot with intel_iommu=off)", error.Message);
            TestContext.Current.SendDiagnosticMessage($"6.12 with VT-d on: {error.Message}");
            return;
        }
        using var device = SelftestMock.MockDomain(iommu, ioas);
        Assert.NotEqual(0u, device.HwptId);
    }
}
