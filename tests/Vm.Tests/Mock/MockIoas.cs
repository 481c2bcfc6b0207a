using Linux.Iommu;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;

namespace Vm.Tests.Mock;

/// <summary>The iommufd selftest's usual fixture (iommufd.c, FIXTURE_SETUP(iommufd_ioas) with a mock domain): an
/// iommufd, an IOAS, and a mock device attached to it, so mappings really pin pages and land in a mock page table.
/// Disposal goes device, IOAS, iommufd: the order the kernel needs.</summary>
internal sealed class MockIoas : IDisposable
{
    /// <summary>Where the mock domain's aperture starts: the first IOVA a mapping can use once it is attached.</summary>
    public static ulong ApertureStart => SelftestConstants.MOCK_APERTURE_START;

    public MockIoas(uint deviceFlags = 0)
    {
        Iommu = IommuFd.Open();
        Ioas = Iommu.AllocIoas();
        Device = deviceFlags == 0 ? SelftestMock.MockDomain(Iommu, Ioas) : SelftestMock.MockDomain(Iommu, Ioas.Id, deviceFlags);
    }

    public IommuFd Iommu { get; }

    public Ioas Ioas { get; }

    public MockDevice Device { get; }

    public void Dispose()
    {
        Device.Dispose();
        Ioas.Dispose();
        Iommu.Dispose();
    }
}
