using System.Runtime.InteropServices;

namespace Linux.Iommu.Native;

/// <summary>Holds a SafeHandle's reference count up for one kernel call, so a concurrent Dispose cannot close
/// (and the number be reused) mid-ioctl. A ref struct: no allocation on the hot path.</summary>
internal ref struct FdLease
{
    private SafeHandle? _handle;

    public FdLease(SafeHandle handle, string owner)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(owner);
        }
        _handle = handle;
        Fd = (int)handle.DangerousGetHandle();
    }

    public int Fd { get; }

    public void Dispose()
    {
        _handle?.DangerousRelease();
        _handle = null;
    }
}
