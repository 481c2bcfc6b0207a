using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>Arguments the runtime refuses before any kernel call, so they are checked here on a host without
/// /dev/iommu (an IommuFd on /dev/null: any ioctl that got through would fail with ENOTTY instead).</summary>
public sealed class ArgumentCheckTests : IDisposable
{
    private readonly FileStream _null = new("/dev/null", FileMode.Open, FileAccess.ReadWrite);
    private readonly IommuFd _iommu;

    public ArgumentCheckTests() => _iommu = IommuFd.FromDescriptor((int)_null.SafeFileHandle.DangerousGetHandle(), ownsDescriptor: false);

    public void Dispose()
    {
        _iommu.Dispose();
        _null.Dispose();
    }

    [Fact]
    public void IommuFd_FromDescriptor_of_minus_1_names_the_API_and_what_a_descriptor_is()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => IommuFd.FromDescriptor(-1, ownsDescriptor: true));
        Assert.Equal("fd", error.ParamName);
        Assert.StartsWith("IommuFd.FromDescriptor(-1): a file descriptor is the non-negative number of a descriptor this process has open on /dev/iommu", error.Message);
    }

    [Fact]
    public void VfioDevice_FromDescriptor_of_minus_1_names_the_API_and_what_a_descriptor_is()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => VfioDevice.FromDescriptor(-1, ownsDescriptor: false));
        Assert.StartsWith("VfioDevice.FromDescriptor(-1): a file descriptor is the non-negative number of a descriptor this process has open on a VFIO device", error.Message);
    }

    [Theory]
    [InlineData(0x83)]
    [InlineData(0x4)]
    [InlineData(-1)]
    public void DmaAccess_with_unknown_bits_is_refused_before_the_ioctl(int bits)
    {
        var ioas = new Ioas(_iommu, 1);
        var access = (DmaAccess)bits;

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ioas.TryMap(0x100000, 0x1000, 0x1000, access, out _));
        Assert.Equal("access", error.ParamName);
        Assert.Contains($"unknown bits 0x{bits & ~3:x}: only Read (1) and Write (2) exist", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ioas.Map(0x100000, 0x1000, 0x1000, access));
        Assert.Throws<ArgumentOutOfRangeException>(() => ioas.MapAnywhere(0x1000, 0x1000, access));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchMapper(ioas).Add(0x100000, 0x1000, 0x1000, access));
    }

    [Fact]
    public void Known_DmaAccess_bits_reach_the_kernel()
    {
        // the contrast: the same call with a valid access gets as far as the ioctl, which /dev/null answers ENOTTY
        var ioas = new Ioas(_iommu, 1);
        Assert.False(ioas.TryMap(0x100000, 0x1000, 0x1000, DmaAccess.ReadWrite, out var errno));
        Assert.Equal(Errno.ENOTTY, errno);
        var error = Assert.Throws<IommuException>(() => ioas.Map(0x100000, 0x1000, 0x1000, DmaAccess.Read));
        Assert.Equal("IOMMU_IOAS_MAP failed: ENOTTY (25): Inappropriate ioctl for device - flags 0x5, ioas_id 1, user_va 0x1000, length 0x1000, iova 0x100000", error.Message);
    }
}
