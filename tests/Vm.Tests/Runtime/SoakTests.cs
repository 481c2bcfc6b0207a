using System.Diagnostics;
using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>Concurrent map/unmap on one IOAS with the edu device attached (so every map really pins and writes IOMMU
/// page tables): threads on disjoint IOVA ranges never disturb each other, and nothing is left afterwards.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class SoakTests
{
    private const int Threads = 4, PagesPerThread = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Four_threads_mapping_and_unmapping_disjoint_ranges_leave_the_ioas_empty_and_no_descriptor_open()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var descriptorsBefore = ProcessState.OpenIommuDescriptors();
        using (var rig = EduIoas.Open())
        {
            var stopwatch = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Threads)
                .Select(thread => Task.Factory.StartNew(() => MapAndUnmapUntil(rig, thread, stopwatch), TaskCreationOptions.LongRunning))
                .ToArray();

            var rounds = await Task.WhenAll(workers); // rethrows the first worker's failure

            TestContext.Current.TestOutputHelper?.WriteLine($"rounds per thread in {Duration.TotalSeconds} s: {string.Join(", ", rounds)}");
            Assert.All(rounds, r => Assert.True(r > 0, "a thread never completed a round"));
            rig.AssertNothingLeft();
            Assert.Equal(descriptorsBefore + 2, ProcessState.OpenIommuDescriptors()); // the rig's /dev/iommu and device, counted for real
        }
        Assert.Equal(descriptorsBefore, ProcessState.OpenIommuDescriptors());
    }

    /// <summary>Maps its own buffer in its own 16 MiB of IOVA, whole or page by page, at a moving offset, and unmaps
    /// exactly that, checking the length the kernel reports. Returns the rounds done.</summary>
    private static long MapAndUnmapUntil(EduIoas rig, int thread, Stopwatch stopwatch)
    {
        var page = EduIoas.Page;
        using var buffer = DmaBuffer.Allocate(PagesPerThread * (long)page);
        var length = (ulong)buffer.Length;
        var window = rig.Base + (ulong)thread * (16 << 20);
        var rounds = 0L;
        for (; stopwatch.Elapsed < Duration; rounds++)
        {
            var iova = window + (ulong)(rounds % 64) * length;
            if (rounds % 2 == 0)
            {
                rig.Ioas.Map(iova, buffer, DmaAccess.ReadWrite);
                rig.Ioas.Unmap(iova, buffer);
                continue;
            }
            for (var p = 0UL; p < PagesPerThread; p++) rig.Ioas.Map(iova + p * page, buffer.Address + (nint)(p * page), page, DmaAccess.Read);
            Assert.Equal(length, rig.Ioas.Unmap(iova, length)); // 16 areas, one unmap
        }
        return rounds;
    }
}
