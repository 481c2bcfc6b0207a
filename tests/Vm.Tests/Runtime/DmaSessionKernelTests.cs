using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>A <see cref="DmaSession"/> on the real IOAS: its calls reach the kernel (the device reads through a mapping
/// made in a session), errors come back as the kernel's errno, and an iommufd disposed during a session stays open until it ends.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class DmaSessionKernelTests
{
    private static readonly ulong Page = EduIoas.Page;

    [Fact]
    public void A_mapping_made_in_a_session_is_read_by_the_device_and_its_unmap_leaves_nothing()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var rig = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate((long)Page);
        Random.Shared.NextBytes(buffer.Span);

        using (var session = rig.Ioas.OpenSession())
        {
            KernelAssert.Errno(0, session.TryMap(rig.Base, buffer.Address, Page, DmaAccess.Read, out var mapErrno), mapErrno);
            KernelAssert.Errno(Errno.EEXIST, session.TryMap(rig.Base, buffer.Address, Page, DmaAccess.Read, out mapErrno), mapErrno);
            Assert.Equal(buffer.Span[..64].ToArray(), rig.ReadByDma(rig.Base, 64));
            KernelAssert.Errno(0, session.TryUnmap(rig.Base, Page, out var unmapped, out var unmapErrno), unmapErrno);
            Assert.Equal(Page, unmapped);
            KernelAssert.Errno(Errno.ENOENT, session.TryUnmap(rig.Base, Page, out _, out unmapErrno), unmapErrno);
        }

        rig.AssertNothingLeft();
    }

    [Fact]
    public void An_iommufd_disposed_during_a_session_is_closed_when_the_session_ends()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var iommu = IommuFd.Open();
        var ioas = iommu.AllocIoas();
        var fd = (int)iommu.Handle.DangerousGetHandle();
        using var buffer = DmaBuffer.Allocate((long)Page);

        var session = ioas.OpenSession();
        iommu.Dispose();
        Assert.True(File.Exists($"/proc/self/fd/{fd}"), "the iommufd closed while a session held it");
        KernelAssert.Errno(0, session.TryMap(1 << 20, buffer.Address, Page, DmaAccess.Read, out var mapErrno), mapErrno); // no device: the area is only recorded
        session.Dispose();

        Assert.False(File.Exists($"/proc/self/fd/{fd}"), "the iommufd stayed open after the session ended");
        Assert.Throws<ObjectDisposedException>(() => ioas.OpenSession());
    }
}
