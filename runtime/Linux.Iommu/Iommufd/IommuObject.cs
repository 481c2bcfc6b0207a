using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>An object that lives in an iommufd under an id (IOAS, HW page table, vIOMMU, vDevice) and is destroyed
/// with IOMMU_DESTROY. Disposal is thread-safe and happens once; destroying an object something still uses is
/// reported (EBUSY), not leaked, so a wrong destruction order shows up where it happens.</summary>
public abstract class IommuObject : IDisposable
{
    private int _disposed;

    private protected IommuObject(IommuFd iommu, uint id)
    {
        Iommu = iommu;
        Id = id;
    }

    /// <summary>The kernel object id.</summary>
    public uint Id { get; }

    /// <summary>The iommufd the object lives in.</summary>
    public IommuFd Iommu { get; }

    /// <summary>Releases what the object holds besides its kernel id, before the id is destroyed (an event queue's
    /// descriptor holds the object: IOMMU_DESTROY says EBUSY while it is open).</summary>
    private protected virtual void ReleaseBeforeDestroy()
    {
    }

    /// <summary>What the object is, for messages ("IOAS 3").</summary>
    public override string ToString() => $"{GetType().Name} {Id}";

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Destroys the object. Throws <see cref="IommuException"/> (EBUSY) while something still uses it; the object
    /// stays usable then. Closing the iommufd destroys everything, so after that this does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        ReleaseBeforeDestroy();
        if (Iommu.IsClosed) return;
        var errno = Iommu.TryDestroy(Id);
        if (errno == 0) return;
        Volatile.Write(ref _disposed, 0);
        IommuException.Throw(nameof(Ioctls.IOMMU_DESTROY), errno,
            errno == Errno.EBUSY ? $"{this} is still in use: detach its devices and destroy what was built on it first" : ToString());
    }
}
