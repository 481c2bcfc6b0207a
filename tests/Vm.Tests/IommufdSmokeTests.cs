using Microsoft.Win32.SafeHandles;
using Vm.Tests.Runtime;

namespace Vm.Tests;

/// <summary>The guest kernel really has iommufd: the device opens and an IOAS round-trips.</summary>
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class IommufdSmokeTests
{
    private static SafeFileHandle OpenIommu() => File.OpenHandle("/dev/iommu", FileMode.Open, FileAccess.ReadWrite);

    [Fact]
    [Trait("Category", "Vm")]
    public void Dev_iommu_is_iommufd_destroying_id_0_answers_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // iommufd allocates object ids from 1 (XA_FLAGS_ALLOC1), so id 0 is never there; a file that is not iommufd
        // would answer ENOTTY to IOMMU_DESTROY.
        var model = KernelModel.Linux73;
        using var iommu = OpenIommu();
        var destroy = IoctlArg.Sized(model.Record("iommu_destroy")).SetU32("id", 0);
        Assert.Equal(-Linux.Iommu.Errno.ENOENT, RawIoctl.Call(iommu, model.Request("IOMMU_DESTROY"), destroy.Bytes));
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void IoasAllocReturnsAnIdThatDestroyFrees()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var model = KernelModel.Linux73;
        var alloc = model.Record("iommu_ioas_alloc");
        var destroy = model.Record("iommu_destroy");
        using var iommu = OpenIommu();

        var first = IoctlArg.Sized(alloc).SetU32("flags", 0);
        Assert.Equal(0, RawIoctl.Call(iommu, model.Request("IOMMU_IOAS_ALLOC"), first.Bytes));
        var second = IoctlArg.Sized(alloc).SetU32("flags", 0);
        Assert.Equal(0, RawIoctl.Call(iommu, model.Request("IOMMU_IOAS_ALLOC"), second.Bytes));
        uint id = first.GetU32("out_ioas_id");
        Assert.NotEqual(0u, id);
        Assert.NotEqual(id, second.GetU32("out_ioas_id"));

        var destroyIt = IoctlArg.Sized(destroy).SetU32("id", id);
        Assert.Equal(0, RawIoctl.Call(iommu, model.Request("IOMMU_DESTROY"), destroyIt.Bytes));
        // Gone for real: a second destroy of the same id finds nothing.
        Assert.Equal(-Linux.Iommu.Errno.ENOENT, RawIoctl.Call(iommu, model.Request("IOMMU_DESTROY"), destroyIt.Bytes));
    }
}
