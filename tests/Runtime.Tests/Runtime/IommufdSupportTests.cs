using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>What a host without /dev/iommu is told, for each thing that can be missing.</summary>
public class IommufdSupportTests
{
    private static readonly Dictionary<string, string> Complete = new() { ["CONFIG_IOMMUFD"] = "y", ["CONFIG_VFIO"] = "y", ["CONFIG_VFIO_DEVICE_CDEV"] = "y" };

    [Fact]
    public void An_old_kernel_is_named_against_the_versions_it_needs()
    {
        Assert.Contains("kernel 5.15.0-91-generic is older than 6.2, the first with iommufd", IommufdSupport.Diagnose("5.15.0-91-generic", Complete, "/boot/config"));
        Assert.Contains("kernel 6.4.0 is older than 6.6, the first with VFIO device cdevs", IommufdSupport.Diagnose("6.4.0", Complete, "/boot/config"));
        Assert.DoesNotContain("older than", IommufdSupport.Diagnose("6.18.44", Complete, "/boot/config"));
    }

    [Fact]
    public void Each_missing_or_modular_option_is_named()
    {
        var config = IommufdSupport.ParseConfig("# CONFIG_IOMMUFD is not set\nCONFIG_VFIO=m\nCONFIG_VFIO_DEVICE_CDEV=y\n");
        var text = IommufdSupport.Diagnose("6.18.44", config, "/proc/config.gz", moduleLoaded: _ => false);

        Assert.Contains("  - CONFIG_IOMMUFD is not set in /proc/config.gz: this kernel was built without it (the distribution's choice; no module to load)\n", text);
        Assert.Contains("  - CONFIG_VFIO=m in /proc/config.gz: load the module (modprobe vfio)\n", text);
        Assert.DoesNotContain("CONFIG_VFIO_DEVICE_CDEV is not set", text);
    }

    [Fact]
    public void A_module_that_is_loaded_is_not_asked_for()
    {
        var config = IommufdSupport.ParseConfig("# CONFIG_IOMMUFD is not set\nCONFIG_VFIO=m\n# CONFIG_VFIO_DEVICE_CDEV is not set\n");

        var text = IommufdSupport.Diagnose("6.12.117+deb13-amd64", config, "/boot/config-6.12.117+deb13-amd64", moduleLoaded: name => name == "vfio");

        Assert.DoesNotContain("modprobe", text);
        Assert.Contains("CONFIG_IOMMUFD is not set in /boot/config-6.12.117+deb13-amd64: this kernel was built without it", text);
        Assert.Contains("the legacy VFIO type1 container (/dev/vfio/vfio", text);
    }

    [Fact]
    public void An_unreadable_configuration_and_a_complete_one_say_so()
    {
        Assert.Contains("the kernel configuration is not readable (/proc/config.gz or /boot/config-6.18.44)", IommufdSupport.Diagnose("6.18.44", null, "/proc/config.gz or /boot/config-6.18.44"));
        Assert.Contains("the kernel has what iommufd needs, but /dev/iommu is not there", IommufdSupport.Diagnose("6.18.44", Complete, "/boot/config"));
    }

    [Fact]
    public void Opening_iommufd_on_a_host_without_it_says_what_is_missing_and_names_the_legacy_container()
    {
        // this project's machines have no /dev/iommu (the VM tier boots a kernel that has it); elsewhere there is nothing to show
        Assert.SkipWhen(IommufdSupport.Available, "this host has /dev/iommu");

        var error = Assert.Throws<IommuException>(() => IommuFd.Open());

        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.StartsWith("open failed: ENOENT (2): No such file or directory - /dev/iommu: no /dev/iommu: this host cannot serve iommufd (kernel ", error.Message);
        Assert.Contains("iommufd needs Linux >= 6.2 with CONFIG_IOMMUFD", error.Message);
        Assert.Contains("the legacy VFIO type1 container (/dev/vfio/vfio", error.Message);
    }

    [Fact]
    public void Another_missing_path_is_only_named_it_says_nothing_about_the_kernel()
    {
        var error = Assert.Throws<IommuException>(() => IommuFd.Open("/nonexistent/iommu"));

        Assert.Equal("open failed: ENOENT (2): No such file or directory - /nonexistent/iommu", error.Message);
    }
}
