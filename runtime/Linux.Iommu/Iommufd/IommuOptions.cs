using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>IOMMU_OPTION get/set, for the iommufd (object 0) or one object. A failure names the option and the
/// operation (IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET) beside the argument's numbers.</summary>
internal static class IommuOptions
{
    public static ulong Get(IommuFd iommu, iommufd_option option, uint objectId) =>
        Call(iommu, option, iommufd_option_ops.IOMMU_OPTION_OP_GET, objectId, 0);

    public static void Set(IommuFd iommu, iommufd_option option, uint objectId, ulong value) =>
        Call(iommu, option, iommufd_option_ops.IOMMU_OPTION_OP_SET, objectId, value);

    private static ulong Call(IommuFd iommu, iommufd_option option, iommufd_option_ops op, uint objectId, ulong value)
    {
        var request = iommu_option.Create();
        request.option_id = (uint)option;
        request.op = (ushort)op;
        request.object_id = objectId;
        request.val64 = value;
        int result;
        using (var fd = iommu.Lease()) result = Ioctls.TryIOMMU_OPTION(fd.Fd, ref request);
        if (result < 0) Ioctls.ThrowIOMMU_OPTION(-result, in request, $"{option} {op}{(objectId == 0 ? "" : $" on object {objectId}")}");
        return request.val64;
    }
}
