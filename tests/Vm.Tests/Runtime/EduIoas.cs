using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>An iommufd with one IOAS and the edu device bound and attached to it. With a device attached the kernel
/// enforces the IOMMU's page alignment and reserved ranges and pins at map time (measured: with none it accepts
/// misaligned IOVAs and bad user memory until later), so bad input fails where it is given.</summary>
internal sealed class EduIoas : IDisposable
{
    private readonly long _pinnedBefore;

    private EduIoas()
    {
        _pinnedBefore = ProcessState.PinnedKiB();
        Iommu = IommuFd.Open();
        Ioas = Iommu.AllocIoas();
        Device = VfioDevice.Open(QemuEduDevice.CdevPath);
        DeviceId = Device.BindIommufd(Iommu);
        Device.Attach(Ioas.Id);
    }

    /// <summary>Opens and attaches; use it from a test of <see cref="EduCollection"/>.</summary>
    public static EduIoas Open() => new();

    public IommuFd Iommu { get; }

    public Ioas Ioas { get; }

    public VfioDevice Device { get; }

    public uint DeviceId { get; }

    public static ulong Page { get; } = (ulong)DmaBuffer.SystemPageSize;

    /// <summary>An IOVA with 64 MiB of usable space after it, below edu's 28-bit DMA mask.</summary>
    public ulong Base
    {
        get
        {
            const ulong Start = 1 << 20, Length = 64 << 20;
            Assert.True(Ioas.GetIovaRanges().Ranges.Any(r => r.Contains(Start, Length)), "no usable IOVA range holds [1 MiB, 65 MiB)");
            return Start;
        }
    }

    /// <summary>The first hole between the usable ranges: a region the device reserves (x86: the MSI window).</summary>
    public IovaRange ReservedHole()
    {
        var ranges = Ioas.GetIovaRanges().Ranges;
        Assert.True(ranges.Length >= 2, $"an attached device should reserve IOVAs, but the usable ranges are {string.Join(", ", ranges)}");
        return new IovaRange(ranges[0].Last + 1, ranges[1].Start - 1);
    }

    /// <summary>What the device reads at <paramref name="iova"/>: edu copies it into its own buffer, then out into a
    /// scratch buffer mapped (and unmapped again) 32 MiB above <see cref="Base"/>.</summary>
    public byte[] ReadByDma(ulong iova, int length)
    {
        Device.EnablePciBusMastering();
        using var bar0 = Device.MapRegion(0);
        var edu = new QemuEduDevice(bar0);
        using var scratch = DmaBuffer.Allocate(length);
        scratch.Span.Fill(0xEE);
        var scratchIova = Base + (32 << 20);
        Ioas.Map(scratchIova, scratch, DmaAccess.Write);
        edu.CopyToDevice(iova, length);
        edu.CopyFromDevice(scratchIova, length);
        Ioas.Unmap(scratchIova, scratch);
        return scratch.Span[..length].ToArray();
    }

    /// <summary>The test left no mapping in the IOAS and no page pinned.</summary>
    public void AssertNothingLeft()
    {
        Assert.Equal(0UL, Ioas.UnmapAll());
        Assert.Equal(_pinnedBefore, ProcessState.PinnedKiB());
    }

    /// <summary>Closing the device detaches it, so the IOAS can be destroyed; closing the iommufd frees the rest.</summary>
    public void Dispose()
    {
        Device.Dispose();
        Ioas.Dispose();
        Iommu.Dispose();
    }
}
