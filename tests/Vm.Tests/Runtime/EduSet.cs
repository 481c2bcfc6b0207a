using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>The first edu device opened in a <see cref="VfioDeviceSet"/> on the backend a test asks for, so one test runs
/// on iommufd and on the type1 container (the only backend of a kernel without iommufd) alike; what differs between the
/// two — the map ioctl's name, what an unmap of nothing answers, which counter holds the pins — is said here, once.</summary>
internal sealed class EduSet : IDisposable
{
    private readonly long _pinnedBefore;

    private EduSet(IommuBackend backend)
    {
        _pinnedBefore = ProcessState.PinnedKiB(backend);
        Set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], backend);
    }

    /// <summary>Opens edu on <paramref name="backend"/>; iommufd is not applicable on a kernel without it or its cdevs.
    /// Use it from a test of <see cref="EduCollection"/>.</summary>
    public static EduSet Open(IommuBackend backend)
    {
        Require(backend);
        return new EduSet(backend);
    }

    /// <summary>Ends the test as not applicable when the kernel lacks <paramref name="backend"/> (type1 every kernel has).</summary>
    public static void Require(IommuBackend backend)
    {
        if (backend != IommuBackend.Iommufd) return;
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);
    }

    public VfioDeviceSet Set { get; }

    public IDmaMapper Mapper => Set.Mapper;

    public static ulong Page { get; } = (ulong)DmaBuffer.SystemPageSize;

    /// <summary>The ioctl a failed map names.</summary>
    public string MapIoctl => Set.Backend == IommuBackend.Iommufd ? nameof(Ioctls.IOMMU_IOAS_MAP) : nameof(Ioctls.VFIO_IOMMU_MAP_DMA);

    /// <summary>An IOVA with 64 MiB of usable space after it, below edu's 28-bit DMA mask.</summary>
    public ulong Base
    {
        get
        {
            const ulong Start = 1 << 20, Length = 64 << 20;
            Assert.True(Set.GetIovaRanges().Ranges.Any(r => r.Contains(Start, Length)), $"no usable IOVA range of the {Set.Backend} set holds [1 MiB, 65 MiB)");
            return Start;
        }
    }

    /// <summary>edu with bus mastering on, driven through its BAR0 (dispose the region before the set).</summary>
    public (QemuEduDevice Edu, DeviceRegion Bar0) OpenEdu()
    {
        var device = Set.Devices[0].Device;
        device.EnablePciBusMastering();
        var bar0 = device.MapRegion(0);
        return (new QemuEduDevice(bar0), bar0);
    }

    /// <summary>Nothing is mapped in [iova, iova + length): an unmap there finds nothing — iommufd answers ENOENT, type1
    /// succeeds having unmapped 0 bytes (vfio_dma_do_unmap walks the range and finds no vfio_dma).</summary>
    public void AssertNothingMappedIn(ulong iova, ulong length)
    {
        var succeeded = Mapper.TryUnmap(iova, length, out var unmapped, out var errno);
        if (Set.Backend == IommuBackend.Iommufd) KernelAssert.Errno(Errno.ENOENT, succeeded, errno);
        else
        {
            KernelAssert.Errno(0, succeeded, errno);
            Assert.True(unmapped == 0, $"type1 unmapped 0x{unmapped:x} bytes at 0x{iova:x} where nothing should be mapped");
        }
    }

    /// <summary>The test left no mapping and no page pinned.</summary>
    public void AssertNothingLeft()
    {
        Assert.Equal(0UL, Set.UnmapAll());
        Assert.Equal(_pinnedBefore, ProcessState.PinnedKiB(Set.Backend));
    }

    public void Dispose() => Set.Dispose();
}
