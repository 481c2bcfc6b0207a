using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A device region mmap()ed into this process: volatile register reads and writes, bounds-checked.</summary>
public sealed unsafe class DeviceRegion : IDisposable
{
    private nint _address;

    private DeviceRegion(nint address, VfioRegionInfo info)
    {
        _address = address;
        Info = info;
    }

    internal static DeviceRegion Map(int deviceFd, VfioRegionInfo info)
    {
        var address = Posix.Mmap(0, (nuint)info.Size, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_SHARED, deviceFd, (long)info.Offset);
        if (address == Posix.MAP_FAILED) IommuException.Throw("mmap", Posix.LastErrno, $"device region {info.Index}, {info.Size} bytes");
        return new DeviceRegion(address, info);
    }

    /// <summary>The region this maps.</summary>
    public VfioRegionInfo Info { get; }

    /// <summary>Where the region is mapped in this process: a device's BAR given to <see cref="IDmaMapper.Map"/> of a type1
    /// container lets another device DMA to it (the container follows the mapping to the MMIO page; an IOAS refuses it,
    /// having no page to pin: export the BAR as a dma-buf there).</summary>
    /// <exception cref="ObjectDisposedException">The region was unmapped.</exception>
    public nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return _address;
        }
    }

    private byte* At(ulong offset, int size)
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        if (offset > Info.Size || (ulong)size > Info.Size - offset) throw new ArgumentOutOfRangeException(nameof(offset), $"0x{offset:x} + {size} is outside region {Info.Index} (0x{Info.Size:x} bytes)");
        return (byte*)_address + offset;
    }

    /// <summary>A 32-bit register read.</summary>
    public uint Read32(ulong offset) => Volatile.Read(ref *(uint*)At(offset, 4));

    /// <summary>A 64-bit register read.</summary>
    public ulong Read64(ulong offset) => Volatile.Read(ref *(ulong*)At(offset, 8));

    /// <summary>A 32-bit register write.</summary>
    public void Write32(ulong offset, uint value) => Volatile.Write(ref *(uint*)At(offset, 4), value);

    /// <summary>A 64-bit register write.</summary>
    public void Write64(ulong offset, ulong value) => Volatile.Write(ref *(ulong*)At(offset, 8), value);

    /// <summary>Unmaps the region.</summary>
    public void Dispose()
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address != 0) Posix.Munmap(address, (nuint)Info.Size);
    }
}
