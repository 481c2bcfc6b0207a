using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>IOMMU_OPTION get/set, for the iommufd (object 0) or one object.</summary>
internal static class IommuOptions
{
    public static ulong Get(IommuFd iommu, iommufd_option option, uint objectId)
    {
        var request = iommu_option.Create();
        request.option_id = (uint)option;
        request.op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET;
        request.object_id = objectId;
        using (var fd = iommu.Lease()) Ioctls.IOMMU_OPTION(fd.Fd, ref request);
        return request.val64;
    }

    public static void Set(IommuFd iommu, iommufd_option option, uint objectId, ulong value)
    {
        var request = iommu_option.Create();
        request.option_id = (uint)option;
        request.op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET;
        request.object_id = objectId;
        request.val64 = value;
        using var fd = iommu.Lease();
        Ioctls.IOMMU_OPTION(fd.Fd, ref request);
    }
}
