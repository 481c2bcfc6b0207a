namespace Linux.Iommu.Testing;

/// <summary>A mock device of the kernel selftest (IOMMU_TEST_OP_MOCK_DOMAIN): <see cref="StdevId"/> is the selftest
/// device object (destroying it unbinds the device), <see cref="IdevId"/> the iommufd device id that HWPT and
/// vIOMMU allocation, GET_HW_INFO and the like take, <see cref="HwptId"/> the page table it is attached to.</summary>
public sealed class MockDevice : IDisposable
{
    private readonly IommuFd _iommu;
    private int _disposed;

    internal MockDevice(IommuFd iommu, uint stdevId, uint hwptId, uint idevId)
    {
        _iommu = iommu;
        StdevId = stdevId;
        HwptId = hwptId;
        IdevId = idevId;
    }

    /// <summary>The selftest device object (out_stdev_id); <see cref="Dispose"/> destroys it.</summary>
    public uint StdevId { get; }

    /// <summary>The HWPT the device was attached to (out_hwpt_id): the mock's own paging domain on an IOAS, or the
    /// HWPT given; after <see cref="SelftestMock.MockDomainReplace"/> the one attached now is what it returned.</summary>
    public uint HwptId { get; }

    /// <summary>The iommufd device id (out_idev_id, the standard iommufd_bind object).</summary>
    public uint IdevId { get; }

    /// <inheritdoc/>
    public override string ToString() => $"mock device (stdev {StdevId}, idev {IdevId}, hwpt {HwptId})";

    /// <summary>Destroys the device (IOMMU_DESTROY of the stdev); nothing to do once the iommufd is closed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _iommu.IsClosed) return;
        _iommu.Destroy(StdevId);
    }
}
