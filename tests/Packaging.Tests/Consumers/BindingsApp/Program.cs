using Linux.Iommu;

// The generator's bindings alone (namespace Linux.Iommu by default, internal): sizes and numbers from the model, and
// the ioctl stubs, which fail with EBADF on fd -1 on any machine.
var alloc = iommu_ioas_alloc.Create();
Console.WriteLine($"IOMMU_IOAS_ALLOC = 0x{Requests.IOMMU_IOAS_ALLOC:x}, struct iommu_ioas_alloc is {iommu_ioas_alloc.NativeSize} bytes, VFIO_API_VERSION = {Constants.VFIO_API_VERSION}");
Console.WriteLine($"TryIOMMU_IOAS_ALLOC(-1) = {Ioctls.TryIOMMU_IOAS_ALLOC(-1, ref alloc)}");
try
{
    Ioctls.IOMMU_IOAS_ALLOC(-1, ref alloc);
    Console.WriteLine("IOMMU_IOAS_ALLOC(-1) did not throw");
    return 1;
}
catch (Exception e)
{
    Console.WriteLine($"IOMMU_IOAS_ALLOC(-1) threw {e.GetType().Name}: {e.Message}");
    return 0;
}
