using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Use after Dispose: the runtime refuses before any kernel call (which would answer ENOENT or EBADF, or
/// reach a reused descriptor number).</summary>
public sealed partial class BadInputTests
{
    [Fact]
    public void An_ioas_used_after_dispose_throws_ObjectDisposedException()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        var ioas = iommu.AllocIoas();
        ioas.Dispose();

        // Had any of these reached the kernel, the destroyed id would have come back as an IommuException (ENOENT).
        Assert.Throws<ObjectDisposedException>(() => ioas.TryMap(0x100000, buffer.Address, Page, DmaAccess.Read, out _));
        Assert.Throws<ObjectDisposedException>(() => ioas.MapAnywhere(buffer.Address, Page, DmaAccess.Read));
        Assert.Throws<ObjectDisposedException>(() => ioas.TryUnmap(0x100000, Page, out _, out _));
        Assert.Throws<ObjectDisposedException>(() => ioas.UnmapAll());
        Assert.Throws<ObjectDisposedException>(() => ioas.GetIovaRanges());
        Assert.Throws<ObjectDisposedException>(() => ioas.AllowIovas([]));
        Assert.Throws<ObjectDisposedException>(() => ioas.HugePages);
        Assert.Throws<ObjectDisposedException>(() => ioas.HugePages = false);
        using var other = iommu.AllocIoas();
        Assert.Throws<ObjectDisposedException>(() => ioas.CopyFrom(other, 0x100000, 0x100000, Page, DmaAccess.Read));
        Assert.Equal(0, buffer.Mappings);
    }

    [Fact]
    public void Disposing_an_ioas_destroyed_by_id_does_nothing_and_throws_nothing_however_often()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        iommu.Destroy(ioas.Id);

        ioas.Dispose();
        ioas.Dispose();
        ioas.Destroy(); // already counted as destroyed: no kernel call
        Assert.Throws<ObjectDisposedException>(() => ioas.UnmapAll());
    }

    [Fact]
    public void Destroying_an_ioas_destroyed_by_id_fails_with_ENOENT_once()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        iommu.Destroy(ioas.Id);

        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_DESTROY), Errno.ENOENT, ioas.Destroy);
        Assert.Contains($"{ioas} no longer exists", error.Message);
        KernelAssert.Errno(0, ioas.TryDestroy(out var destroyErrno), destroyErrno); // it is gone now, as far as the object knows too
        ioas.Dispose();
    }

    [Fact]
    public void An_ioas_of_a_closed_iommufd_throws_ObjectDisposedException()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var buffer = DmaBuffer.Allocate((long)Page);
        var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        iommu.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ioas.TryMap(0x100000, buffer.Address, Page, DmaAccess.Read, out _));
        Assert.Throws<ObjectDisposedException>(() => iommu.AllocIoas());
        Assert.Throws<ObjectDisposedException>(() => iommu.TryDestroy(ioas.Id, out _));
        ioas.Dispose(); // the kernel destroyed it with the iommufd: nothing left to do, nothing thrown
    }

    [Fact]
    public void A_disposed_device_throws_ObjectDisposedException()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        device.Dispose();

        Assert.Throws<ObjectDisposedException>(() => device.BindIommufd(iommu));
        Assert.Throws<ObjectDisposedException>(() => device.Attach(ioas.Id));
        Assert.Throws<ObjectDisposedException>(() => device.GetInfo());
    }

    [Fact]
    public void A_disposed_buffer_cannot_be_mapped_and_nothing_is_mapped()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var rig = EduIoas.Open();
        var buffer = DmaBuffer.Allocate((long)Page);
        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => rig.Ioas.Map(rig.Base, buffer, DmaAccess.Read));
        rig.AssertNothingLeft();
    }
}
