namespace Linux.Iommu;

/// <summary>DMA mapping of user memory into an I/O address space, the same on an iommufd IOAS and on a legacy
/// VFIO type1 container, so user code runs on either kernel setup unchanged. The Try forms return 0 or the
/// errno and never allocate or throw (the hot path); the others throw <see cref="IommuException"/>.</summary>
public interface IDmaMapper
{
    /// <summary>Maps <paramref name="length"/> bytes at user address <paramref name="userAddress"/> to exactly <paramref name="iova"/>.</summary>
    int TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access);

    /// <summary>Unmaps every mapping inside [iova, iova + length); <paramref name="unmapped"/> is what the kernel really unmapped.</summary>
    int TryUnmap(ulong iova, ulong length, out ulong unmapped);

    /// <summary>The kernel name of the map operation, for errors.</summary>
    string MapOperation { get; }

    /// <summary>The kernel name of the unmap operation, for errors.</summary>
    string UnmapOperation { get; }
}

/// <summary>The throwing forms, written once for every <see cref="IDmaMapper"/>.</summary>
public static class DmaMapperExtensions
{
    /// <summary>Maps or throws <see cref="IommuException"/> naming the ioctl and errno.</summary>
    public static void Map(this IDmaMapper mapper, ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        var errno = mapper.TryMap(iova, userAddress, length, access);
        if (errno != 0) IommuException.Throw(mapper.MapOperation, errno, $"iova 0x{iova:x}, length 0x{length:x}");
    }

    /// <summary>Unmaps or throws; returns the length the kernel unmapped.</summary>
    public static ulong Unmap(this IDmaMapper mapper, ulong iova, ulong length)
    {
        var errno = mapper.TryUnmap(iova, length, out var unmapped);
        if (errno != 0) IommuException.Throw(mapper.UnmapOperation, errno, $"iova 0x{iova:x}, length 0x{length:x}");
        return unmapped;
    }

    /// <summary>Maps a whole <see cref="DmaBuffer"/> at <paramref name="iova"/>; the buffer cannot be freed until it is unmapped.</summary>
    public static void Map(this IDmaMapper mapper, ulong iova, DmaBuffer buffer, DmaAccess access)
    {
        buffer.AddMapping();
        try
        {
            mapper.Map(iova, buffer.Address, (ulong)buffer.Length, access);
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
