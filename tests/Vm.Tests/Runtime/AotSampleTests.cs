using System.Diagnostics;

namespace Vm.Tests.Runtime;

/// <summary>The runtime under NativeAOT: tests/Aot.Sample, published before the VM tier (tests/run.sh), maps and
/// unmaps in the guest through a native binary with no JIT.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // runs the host-built x86_64 NativeAOT sample: only the guest that shares the host root
public sealed class AotSampleTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void The_NativeAOT_sample_maps_and_unmaps_through_the_runtime()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var binary = global::Iommu.Tests.Shared.RepositoryRoot.Combine("artifacts", "aot-sample", "Aot.Sample");
        Assert.True(File.Exists(binary), $"{binary} is missing: tests/Aot.Sample/publish.sh runs before the VM tier");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, output);
        Assert.Matches(@"^aot: IOAS \d+: map\+unmap of 1048576 bytes; 64 pages batched into 1 ioctl\(s\); unmap-all 262144 bytes", output);
    }
}
