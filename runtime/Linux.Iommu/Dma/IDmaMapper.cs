using System.Diagnostics.CodeAnalysis;

namespace Linux.Iommu;

/// <summary>DMA mapping of user memory into an I/O address space, the same on an iommufd IOAS and on a legacy
/// VFIO type1 container, so user code runs on either kernel setup unchanged. The Try forms return false with the kernel's
/// errno for a refusal and never allocate or throw for the kernel (the hot path); the others throw
/// <see cref="IommuException"/> naming the ioctl, errno, IOVA, length and flags. Every form throws
/// <see cref="ArgumentOutOfRangeException"/> for a <see cref="DmaAccess"/> with unknown bits.</summary>
public interface IDmaMapper
{
    /// <summary>Maps <paramref name="length"/> bytes at user address <paramref name="userAddress"/> to exactly <paramref name="iova"/>:
    /// true, or false with the kernel's <paramref name="errno"/> (0 on success).</summary>
    bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno);

    /// <summary>Unmaps every mapping inside [iova, iova + length): true, or false with the kernel's <paramref name="errno"/>.
    /// <paramref name="unmapped"/> is what the kernel really unmapped (0 on failure).</summary>
    bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno);

    /// <summary>Maps <paramref name="length"/> bytes at user address <paramref name="userAddress"/> to exactly <paramref name="iova"/>.</summary>
    void Map(ulong iova, nint userAddress, ulong length, DmaAccess access);

    /// <summary>Unmaps every mapping inside [iova, iova + length); returns the length the kernel unmapped.</summary>
    ulong Unmap(ulong iova, ulong length);

    /// <summary>Throws the <see cref="IommuException"/> for a map of these arguments that failed with the positive
    /// <paramref name="errno"/>: this backend's ioctl, its ids, the IOVA, user address, length and flags, for ENOMEM the
    /// pinned-memory limit and its fixes, then <paramref name="detail"/> (what the caller was doing). Whoever calls
    /// <see cref="TryMap"/> reports a failure through this, so the same failure reads the same from every path.</summary>
    [DoesNotReturn]
    void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null);

    /// <summary>Throws the <see cref="IommuException"/> for an unmap of [iova, iova + length) that failed with the positive
    /// <paramref name="errno"/>: this backend's ioctl, its ids, IOVA and length, then <paramref name="detail"/>.</summary>
    [DoesNotReturn]
    void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null);
}

/// <summary>Mapping a <see cref="DmaBuffer"/>, written once for every <see cref="IDmaMapper"/>.</summary>
public static class DmaMapperExtensions
{
    /// <summary>Holds <paramref name="mapper"/>'s descriptor for many map and unmap calls (see <see cref="DmaSession"/>).</summary>
    /// <exception cref="ObjectDisposedException">The mapper's descriptor is already closed.</exception>
    public static DmaSession OpenSession(this IDmaMapper mapper) => new(mapper);

    /// <summary>Maps a whole <see cref="DmaBuffer"/> at <paramref name="iova"/> the fastest way its backing allows — a memfd
    /// into an <see cref="Ioas"/> by file (IOMMU_IOAS_MAP_FILE: the kernel pins the file's folios, no walk of the user
    /// mapping), anything else by address (IOMMU_IOAS_MAP, VFIO_IOMMU_MAP_DMA on type1) — as one mapping: it is made whole
    /// or not at all. The buffer cannot be freed until it is unmapped.</summary>
    /// <exception cref="IommuException">The kernel refused: ENOMEM names the pinned-memory limit and its fixes; a
    /// kernel without IOMMU_IOAS_MAP_FILE (before 6.13) gives its <see cref="KernelFeatureMissingException"/>.</exception>
    public static void Map(this IDmaMapper mapper, ulong iova, DmaBuffer buffer, DmaAccess access)
    {
        buffer.AddMapping();
        try
        {
            if (buffer.File is { } file && mapper is Ioas ioas) ioas.MapFile(iova, file, 0, (ulong)buffer.Length, access);
            else mapper.Map(iova, buffer.Address, (ulong)buffer.Length, access);
        }
        catch
        {
            buffer.RemoveMapping();
            throw;
        }
    }

    /// <summary>Unmaps a <see cref="DmaBuffer"/> mapped at <paramref name="iova"/> with <see cref="Map(IDmaMapper, ulong, DmaBuffer, DmaAccess)"/>.</summary>
    public static void Unmap(this IDmaMapper mapper, ulong iova, DmaBuffer buffer)
    {
        mapper.Unmap(iova, (ulong)buffer.Length);
        buffer.RemoveMapping();
    }
}
