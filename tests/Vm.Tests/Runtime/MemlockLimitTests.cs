using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>RLIMIT_MEMLOCK for an unprivileged VMM (<see cref="NonRootThread"/>: uid 65534, a 1 MiB limit), on both
/// backends with edu attached: a map beyond the limit fails with ENOMEM and an error naming the limit, what is pinned,
/// what the call needs and the fixes, and leaves nothing mapped. How each backend charges shows in /proc/self/status:
/// iommufd by default charges the user (user_struct locked_vm, not visible per process) and counts VmPin; with
/// IOMMU_OPTION_RLIMIT_MODE per process, the process's VmLck; type1 always the process's VmLck.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class MemlockLimitTests
{
    private const ulong Limit = 1 << 20, Small = 512 << 10, Big = 4 << 20, Iova = 2 << 20;

    private static void AssertExplains(Exception? thrown, string operation, ulong needed, ulong pinned)
    {
        var e = Assert.IsType<IommuException>(thrown);
        Assert.Equal((operation, Errno.ENOMEM), (e.Operation, e.Errno));
        Assert.Contains($"RLIMIT_MEMLOCK is 1 MiB; this process has {Readable.Bytes(pinned)} pinned (VmPin)", e.Message);
        Assert.Contains($"this map needs {Readable.Bytes(needed)} more", e.Message);
        Assert.Contains("Raise the limit", e.Message);
        Assert.Contains("IOMMU_OPTION_RLIMIT_MODE", e.Message);
    }

    [Theory]
    [InlineData(MemlockAccounting.User)]
    [InlineData(MemlockAccounting.Process)]
    public void An_iommufd_map_beyond_the_limit_fails_naming_it_and_maps_nothing(MemlockAccounting accounting)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        iommu.SetMemlockAccounting(accounting); // as root (CAP_SYS_RESOURCE), before anything is mapped
        Assert.Equal(accounting, iommu.GetMemlockAccounting());
        using var ioas = iommu.AllocIoas();
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        device.BindIommufd(iommu);
        device.Attach(ioas.Id);
        using var small = DmaBuffer.Allocate((long)Small);
        using var big = DmaBuffer.Allocate((long)Big);
        var pinnedBefore = NonRootThread.Status("VmPin");
        var lockedBefore = NonRootThread.Status("VmLck");
        ulong lockedWhileMapped = 0;

        var thrown = NonRootThread.Run(Limit, () =>
        {
            ioas.Map(Iova, small, DmaAccess.ReadWrite); // within the limit
            lockedWhileMapped = NonRootThread.Status("VmLck");
            ioas.Map(Iova + Small, big, DmaAccess.ReadWrite);
        });

        AssertExplains(thrown, nameof(Ioctls.IOMMU_IOAS_MAP), Big, pinnedBefore + Small);
        KernelAssert.Errno(Errno.ENOENT, ioas.TryUnmap(Iova + Small, Big, out _, out var unmapErrno), unmapErrno); // nothing of the refused map stayed
        Assert.Equal(lockedBefore + (accounting == MemlockAccounting.Process ? Small : 0), lockedWhileMapped);
        ioas.Unmap(Iova, small);
        Assert.Equal(pinnedBefore, NonRootThread.Status("VmPin"));
    }

    [Fact]
    public void Every_iommufd_map_path_explains_the_limit_the_same_way()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        device.BindIommufd(iommu);
        device.Attach(ioas.Id);
        using var big = DmaBuffer.Allocate((long)Big);
        using var space = DmaSpace.Create(ioas);
        var pinned = NonRootThread.Status("VmPin");
        var batch = new BatchMapper(ioas);

        (string Path, Action Map)[] paths =
        [
            ("MapAnywhere", () => ioas.MapAnywhere(big.Address, Big, DmaAccess.ReadWrite)),
            ("BatchMapper", () =>
            {
                batch.Add(Iova, big.Address, Big, DmaAccess.ReadWrite);
                batch.Commit();
            }),
            ("DmaSpace", () => space.Map(big, DmaAccess.ReadWrite)),
        ];
        foreach (var (path, map) in paths)
        {
            var thrown = NonRootThread.Run(Limit, map);
            Console.WriteLine($"{path}: {thrown?.Message}");
            AssertExplains(thrown, nameof(Ioctls.IOMMU_IOAS_MAP), Big, pinned);
        }
        Assert.Equal(0, space.Mappings);
    }

    [Fact]
    public void A_type1_map_beyond_the_limit_fails_naming_it_and_maps_nothing()
    {
        using var rig = EduContainer.Open();
        var container = rig.Container;
        using var small = DmaBuffer.Allocate((long)Small);
        using var big = DmaBuffer.Allocate((long)Big);
        var lockedBefore = NonRootThread.Status("VmLck");
        ulong lockedWhileMapped = 0;

        var thrown = NonRootThread.Run(Limit, () =>
        {
            container.Map(Iova, small, DmaAccess.ReadWrite);
            lockedWhileMapped = NonRootThread.Status("VmLck");
            container.Map(Iova + Small, big, DmaAccess.ReadWrite);
        });

        AssertExplains(thrown, nameof(Ioctls.VFIO_IOMMU_MAP_DMA), Big, NonRootThread.Status("VmPin"));
        Assert.Equal(lockedBefore + Small, lockedWhileMapped); // type1 charges the process's locked_vm
        KernelAssert.Errno(0, container.TryUnmap(Iova + Small, Big, out var unmapped, out var unmapErrno), unmapErrno);
        Assert.Equal(0UL, unmapped); // nothing of the refused map stayed
        container.Unmap(Iova, small);
        Assert.Equal(lockedBefore, NonRootThread.Status("VmLck"));
    }
}
