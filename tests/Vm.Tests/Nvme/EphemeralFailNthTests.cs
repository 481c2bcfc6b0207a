using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Native;
using Vm.Tests.FaultInjection;
using Vm.Tests.Runtime;

namespace Vm.Tests.Nvme;

/// <summary>Every allocation the kernel makes for the kit's ephemeral mapping (DmaSpace.Acquire → IOMMU_IOAS_MAP with the
/// NVMe controller attached, so the pages really pin), failed in turn as iommufd_fail_nth.c does: a failure surfaces as an
/// IommuException naming IOMMU_IOAS_MAP, and the kit and the kernel are both back where they were — no mapping in the
/// space, its IOVA free again, the buffer not held, nothing in the IOAS, nothing pinned (VmPin), no kernel splat.</summary>
[Collection(FailNthCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class EphemeralFailNthTests
{
    private sealed class Fixture : IDisposable
    {
        public readonly NvmeSession Session;
        public readonly DmaBuffer Buffer = DmaBuffer.Allocate(64 * 4096);
        public readonly IReadOnlyList<IovaRange> FreeBefore;
        public readonly long PinnedBefore;
        public DmaLease Lease;

        public Fixture(int cache)
        {
            PinnedBefore = ProcessState.PinnedKiB();
            Session = NvmeSession.Open(cacheCapacity: cache);
            FreeBefore = Session.Space.FreeRanges;
        }

        public void Dispose()
        {
            Session.Dispose();
            Buffer.Dispose();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [Trait("Category", "Vm")]
    public void Acquire_unwinds_completely_at_every_failed_kernel_allocation(int cache)
    {
        // IOMMU_IOAS_MAP's unwinding is what is swept; the kernels without iommufd (Debian's) lack fault injection too
        GuestKernel.Require(KernelOffer.Iommufd);
        var result = FailNthSweep.Run(
            () => new Fixture(cache),
            f => f.Lease = f.Session.Space.Acquire(f.Buffer, 0, f.Buffer.Length, DmaAccess.ReadWrite),
            (f, error) =>
            {
                var space = f.Session.Space;
                if (error is null)
                {
                    space.Release(f.Lease); // outside the armed window: only the map is under test
                    Assert.Equal(cache == 0 ? 0 : 1, space.Mappings); // released: unmapped, or kept by the cache
                    space.DropCache();
                }
                else
                {
                    var failure = Assert.IsType<IommuException>(error);
                    Assert.Equal(nameof(Ioctls.IOMMU_IOAS_MAP), failure.Operation);
                    Assert.Equal(0, space.Mappings);
                    Assert.Equal(f.FreeBefore, space.FreeRanges);
                    Assert.Equal(0, f.Buffer.Mappings);
                }
                Assert.Equal(0UL, f.Session.Ioas.UnmapAll());
                Assert.Equal(f.PinnedBefore, ProcessState.PinnedKiB());
            });
        Console.WriteLine($"fail-nth DmaSpace.Acquire (cache {cache}): {result}");
        Assert.Empty(KernelLog.Splats(result.KernelLog));
        Assert.True(result.Failures > 0, "no injected failure made Acquire fail, so nothing was tested");
    }
}
