using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Mock;
using Vm.Tests.Runtime;

namespace Vm.Tests.FaultInjection;

/// <summary>Every allocation the kernel makes for a mapping call, failed in turn (iommufd_fail_nth.c: TEST_FAIL_NTH
/// map_domain, map_file_domain): at each failing point the runtime throws an IommuException naming the ioctl and the
/// kernel has unwound completely — the IOAS is empty and no page stays pinned (MD_CHECK_REFS) — with no splat in the
/// kernel log. A mock domain is attached so the pages really pin.</summary>
[Collection(FailNthCollection.Name)]
[Trait("Boot", "main")] // CONFIG_IOMMUFD_TEST: only the x86 guest kernel has it (not selectable on arm64)
public sealed class FailNthTests
{
    private const int Pages = 64; // 256 KiB, the selftest's map_domain length
    private static readonly ulong Length = (ulong)(Pages * SmallPages.PageSize);
    private static readonly ulong Iova = MockIoas.ApertureStart;

    internal static void Report(string operation, FailNthSweep.Result result)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"{operation}: {result}");
        Console.WriteLine($"fail-nth {operation}: {result}");
        Assert.Empty(KernelLog.Splats(result.KernelLog));
        Assert.True(result.Failures > 0, $"{operation}: no injected failure made the call fail, so nothing was tested");
    }

    /// <summary>After a failed call: the runtime's exception names the ioctl, nothing is mapped, nothing pinned.</summary>
    private static void AssertUnwound(MockIoas mock, Exception error, string operation, SmallPages memory)
    {
        var failure = Assert.IsType<IommuException>(error);
        Assert.Equal(operation, failure.Operation);
        Assert.Equal(0UL, mock.Ioas.UnmapAll());
        SelftestMock.CheckRefs(mock.Iommu, memory.Address, (ulong)memory.Length, 0);
    }

    /// <summary>After a call that succeeded (not injected, or a failure the kernel absorbed): mapped, pinned once, unmapped.</summary>
    private static void AssertMappedThenUnmap(MockIoas mock, SmallPages memory)
    {
        SelftestMock.CheckRefs(mock.Iommu, memory.Address, (ulong)memory.Length, 1);
        SelftestMock.CheckMap(mock.Iommu, mock.Device.HwptId, Iova, (ulong)memory.Length, memory.Address);
        Assert.Equal((ulong)memory.Length, mock.Ioas.UnmapAll());
        SelftestMock.CheckRefs(mock.Iommu, memory.Address, (ulong)memory.Length, 0);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Ioas_Map_unwinds_completely_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        using var memory = SmallPages.Anonymous((long)Length);

        var result = FailNthSweep.Run(
            () => new MockIoas(),
            mock => mock.Ioas.Map(Iova, memory.Address, Length, DmaAccess.ReadWrite),
            (mock, error) =>
            {
                if (error is null) AssertMappedThenUnmap(mock, memory);
                else AssertUnwound(mock, error, "IOMMU_IOAS_MAP", memory);
            });

        Report("Ioas.Map", result);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Ioas_MapFile_of_a_memfd_unwinds_completely_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        GuestKernel.Require(KernelOffer.MapFile);
        using var memfd = UserMemory.Memfd(new byte[Length]);
        using var view = SmallPages.OfFile(memfd, (long)Length); // the file's pages, for the pin checks

        var result = FailNthSweep.Run(
            () => new MockIoas(),
            mock => mock.Ioas.MapFile(Iova, memfd, 0, Length, DmaAccess.ReadWrite),
            (mock, error) =>
            {
                if (error is null) AssertMappedThenUnmap(mock, view);
                else AssertUnwound(mock, error, "IOMMU_IOAS_MAP_FILE", view);
            });

        Report("Ioas.MapFile", result);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void BatchMapper_Commit_of_scattered_runs_rolls_back_completely_at_every_failed_allocation()
    {
        GuestKernel.Require(KernelOffer.SelftestMock);
        // 8 runs of 2 pages, neither IOVA- nor VA-contiguous with each other: 8 IOMMU_IOAS_MAP calls per commit,
        // so a failure in a later one must also undo the earlier ones (the batch's rollback).
        const int Runs = 8, RunPages = 2;
        var page = (ulong)SmallPages.PageSize;
        using var memory = SmallPages.Anonymous(Runs * 4 * SmallPages.PageSize);

        var result = FailNthSweep.Run(
            () =>
            {
                var mock = new MockIoas();
                var batch = new BatchMapper(mock.Ioas);
                for (var run = 0; run < Runs; run++)
                    batch.Add(Iova + (ulong)run * 8 * page, memory.Page(run * 4), RunPages * page, DmaAccess.ReadWrite);
                return new BatchFixture(mock, batch);
            },
            fixture => Assert.Equal(Runs, fixture.Batch.Commit()),
            (fixture, error) =>
            {
                var mock = fixture.Mock;
                if (error is not null)
                {
                    AssertUnwound(mock, error, "IOMMU_IOAS_MAP", memory);
                    return;
                }
                for (var run = 0; run < Runs; run++)
                {
                    SelftestMock.CheckRefs(mock.Iommu, memory.Page(run * 4), RunPages * page, 1);
                    SelftestMock.CheckMap(mock.Iommu, mock.Device.HwptId, Iova + (ulong)run * 8 * page, RunPages * page, memory.Page(run * 4));
                }
                Assert.Equal(Runs * RunPages * page, mock.Ioas.UnmapAll());
                SelftestMock.CheckRefs(mock.Iommu, memory.Address, (ulong)memory.Length, 0);
            });

        Report("BatchMapper.Commit (8 runs)", result);
    }

    private sealed record BatchFixture(MockIoas Mock, BatchMapper Batch) : IDisposable
    {
        public void Dispose() => Mock.Dispose();
    }
}
