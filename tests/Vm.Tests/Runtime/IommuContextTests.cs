using Linux.Iommu;
using Linux.Iommu.Native;

namespace Vm.Tests.Runtime;

/// <summary>iommufd-wide operations against the real kernel: memlock accounting, the VFIO compatibility IOAS,
/// IOAS_CHANGE_PROCESS and the fault queue.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class IommuContextTests
{
    [Fact]
    [Trait("Category", "Vm")]
    public void Memlock_accounting_defaults_to_per_user_and_can_be_set_per_process()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        Assert.Equal(MemlockAccounting.User, iommu.GetMemlockAccounting());

        iommu.SetMemlockAccounting(MemlockAccounting.Process); // the guest runs the tests as root

        Assert.Equal(MemlockAccounting.Process, iommu.GetMemlockAccounting());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void The_VFIO_compat_IOAS_is_unset_then_set_then_cleared()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        Assert.Null(iommu.GetVfioCompatIoas());

        iommu.SetVfioCompatIoas(ioas);
        Assert.Equal(ioas.Id, iommu.GetVfioCompatIoas());

        iommu.ClearVfioCompatIoas();
        Assert.Null(iommu.GetVfioCompatIoas());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Change_process_needs_every_mapping_to_come_from_a_file()
    {
        GuestKernel.Require(KernelOffer.MapFile);
        GuestKernel.Require(KernelOffer.ChangeProcess);
        using var attached = EduIoas.Open();
        using var buffer = DmaBuffer.Allocate(4096);
        attached.Ioas.Map(attached.Base, buffer, DmaAccess.ReadWrite);

        var refused = Assert.Throws<IommuException>(attached.Iommu.ChangeProcess); // a plain user-VA mapping is in the way
        Assert.Equal((nameof(Ioctls.IOMMU_IOAS_CHANGE_PROCESS), Errno.EINVAL), (refused.Operation, refused.Errno));

        attached.Ioas.Unmap(attached.Base, buffer);
        using var memfd = UserMemory.Memfd(new byte[4096]);
        attached.Ioas.MapFile(attached.Base, memfd, 0, 4096, DmaAccess.ReadWrite);
        attached.Iommu.ChangeProcess();
        Assert.Equal(4096UL, attached.Ioas.UnmapAll());
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void A_fault_queue_comes_with_a_descriptor_and_goes_with_its_id()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        var queue = FaultQueue.Allocate(iommu);
        Assert.NotEqual(0u, queue.Id);

        queue.Dispose();

        KernelAssert.Errno(Errno.ENOENT, iommu.TryDestroy(queue.Id, out var destroyErrno), destroyErrno);
    }
}
