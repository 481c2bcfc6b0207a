using Iommu.Tests.Shared;
using Linux.Iommu;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>The main job's demo (examples/Demo, what demo.sh runs after <c>iommu probe</c>) as a process in the guest:
/// every example spec planned on the edu device, the shadow DMA landing and then blocked, the 57-bit spec Refused, and
/// the selftest mock's Nested plan where the kernel has the mock (CONFIG_IOMMUFD_TEST: our kernels, not Debian's).</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
public sealed class DemoTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void The_demo_plans_every_spec_and_the_shadow_DMA_lands_then_faults()
    {
        var result = BuiltProgram.Run("iommu-demo");
        Console.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var spec in Directory.GetFiles(RepositoryRoot.Combine("examples", "specs"), "*.json"))
            Assert.Contains($"== plan {Path.GetFileName(spec)} on ", result.Stdout);
        Assert.Contains(IommufdSupport.Available ? "through iommufd" : "through the legacy VFIO type1 container", result.Stdout);
        Assert.Contains("edu writes 2048 bytes: they landed in that guest page", result.Stdout);
        Assert.Contains("shadow DMA after the guest unmaps and invalidates: blocked by the IOMMU, guest memory untouched", result.Stdout);
        Assert.Contains("Decision: REFUSED", result.Stdout);
        Assert.Contains(GuestKernel.Probe(KernelOffer.SelftestMock).Present ? "nested: nest-parent HWPT" : "selftest mock", result.Stdout);
    }
}
