using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>An object that lives in an iommufd under an id (IOAS, HW page table, vIOMMU, vDevice) and is destroyed
/// with IOMMU_DESTROY. <see cref="Destroy"/> and <see cref="TryDestroy"/> report a destroy the kernel refuses (EBUSY:
/// something still uses the object, which then stays usable); <see cref="Dispose"/> never throws and does nothing for
/// an object that is already gone. Thread-safe: the kernel destroy is issued by one caller at a time.</summary>
public abstract class IommuObject : IDisposable
{
    private const int Alive = 0, Destroying = 1, Gone = 2;
    private int _state;

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

    /// <summary>What the object is, for messages ("Ioas 3").</summary>
    public override string ToString() => $"{GetType().Name} {Id}";

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) != Alive, this);

    /// <summary>Destroys the object in the kernel: true, or false with <paramref name="errno"/> and the object left as it
    /// was (EBUSY: something still uses it). ENOENT means it was already gone (destroyed by id elsewhere); it counts as
    /// destroyed then. True without a kernel call once destroyed, or when the iommufd is closed (which destroyed
    /// everything in it).</summary>
    public bool TryDestroy(out int errno)
    {
        errno = 0;
        if (Interlocked.CompareExchange(ref _state, Destroying, Alive) != Alive) return true;
        errno = DestroyInKernel();
        Volatile.Write(ref _state, errno is 0 or Errno.ENOENT ? Gone : Alive);
        return errno == 0;
    }

    /// <summary>Destroys the object in the kernel, or throws <see cref="IommuException"/>: EBUSY while something still uses
    /// it (detach its devices, destroy what was built on it; the object stays usable), ENOENT when it was already gone.
    /// Does nothing once destroyed.</summary>
    public void Destroy()
    {
        if (TryDestroy(out var errno)) return;
        IommuFd.ThrowDestroyFailed(Id, errno, errno switch
        {
            Errno.EBUSY => $"{this} is still in use: detach its devices and destroy what was built on it first",
            Errno.ENOENT => $"{this} no longer exists: it was destroyed by id, not through this object",
            _ => ToString(),
        });
    }

    /// <summary>Destroys the object if it still exists, and never throws: an object the kernel refuses to destroy now
    /// (EBUSY) stays alive until the iommufd closes; call <see cref="Destroy"/> to see that failure. Idempotent.</summary>
    public void Dispose() => TryDestroy(out _);

    /// <summary>0 or the errno of IOMMU_DESTROY.</summary>
    private int DestroyInKernel()
    {
        ReleaseBeforeDestroy();
        if (Iommu.IsClosed) return 0;
        try
        {
            Iommu.TryDestroy(Id, out var errno);
            return errno;
        }
        catch (ObjectDisposedException)
        {
            return 0; // the iommufd closed meanwhile, and took every object in it along
        }
    }
}
