using Linux.Iommu;
using Linux.Iommu.Testing;

// Maps and unmaps 1 MiB through an IOAS with the edu device attached (so pages really pin), then once more through
// the batched mapper; prints what the kernel did. Exit 0 only if every step did what it should.
using var iommu = IommuFd.Open();
using var ioas = iommu.AllocIoas();
using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
device.BindIommufd(iommu);
device.Attach(ioas.Id);
using var buffer = DmaBuffer.Allocate(1 << 20);

ioas.Map(0x10_0000, buffer, DmaAccess.ReadWrite);
var unmapped = ioas.Unmap(0x10_0000, (ulong)buffer.Length);
buffer.Dispose();

using var pages = DmaBuffer.Allocate(64 * 4096);
var batch = new BatchMapper(ioas);
for (var i = 0; i < 64; i++) batch.Add(0x20_0000 + (ulong)i * 4096, pages.Address + i * 4096, 4096, DmaAccess.Read);
var ioctls = batch.Commit();
var all = ioas.UnmapAll();
device.Detach();

Console.WriteLine($"aot: IOAS {ioas.Id}: map+unmap of {unmapped} bytes; 64 pages batched into {ioctls} ioctl(s); unmap-all {all} bytes");
return unmapped == (ulong)(1 << 20) && ioctls == 1 && all == 64 * 4096 ? 0 : 1;
