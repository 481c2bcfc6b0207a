using Sample.Kernel;

// Allocates an IOAS when the machine has iommufd; elsewhere shows the same stub failing with EBADF.
using var iommu = File.Exists("/dev/iommu") ? File.OpenHandle("/dev/iommu", FileMode.Open, FileAccess.ReadWrite) : null;
var fd = iommu is null ? -1 : (int)iommu.DangerousGetHandle();
var alloc = iommu_ioas_alloc.Create();
var result = Ioctls.TryIOMMU_IOAS_ALLOC(fd, ref alloc);
Console.WriteLine($"IOMMU_IOAS_ALLOC = 0x{Requests.IOMMU_IOAS_ALLOC:x}, struct iommu_ioas_alloc is {iommu_ioas_alloc.NativeSize} bytes, VFIO_API_VERSION = {Constants.VFIO_API_VERSION}");
if (fd < 0)
{
    Console.WriteLine($"no /dev/iommu here: TryIOMMU_IOAS_ALLOC(-1) = {result} (expected -EBADF = -9)");
    try
    {
        Ioctls.IOMMU_IOAS_ALLOC(fd, ref alloc);
    }
    catch (IommuException e)
    {
        Console.WriteLine($"IOMMU_IOAS_ALLOC threw: {e.Message}");
        return result == -Errno.EBADF && e.Errno == Errno.EBADF && e.Operation == "IOMMU_IOAS_ALLOC" ? 0 : 1;
    }
    return 1;
}
Console.WriteLine($"IOAS {alloc.out_ioas_id} allocated (result {result}); types known: {string.Join(", ", Enum.GetNames<iommu_hw_info_type>())}");
var destroy = iommu_destroy.Create();
destroy.id = alloc.out_ioas_id;
Ioctls.IOMMU_DESTROY(fd, ref destroy);
return result == 0 ? 0 : 1;
