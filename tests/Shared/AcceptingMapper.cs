using Linux.Iommu;

namespace Iommu.Tests.Shared;

/// <summary>A stand-in mapper, named as such (the host has no /dev/iommu): accepts every map and unmap and allocates
/// nothing, so that what a test or a host benchmark measures is the code above it. Linked into Runtime.Tests and the
/// benchmarks.</summary>
internal sealed class AcceptingMapper : IDmaMapper
{
    public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        errno = 0;
        return true;
    }

    public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        unmapped = length;
        errno = 0;
        return true;
    }

    public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access) { }

    public ulong Unmap(ulong iova, ulong length) => length;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null) =>
        IommuException.Throw("map", errno, $"iova 0x{iova:x}, length 0x{length:x}; {detail}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null) =>
        IommuException.Throw("unmap", errno, $"iova 0x{iova:x}, length 0x{length:x}; {detail}");
}
