/* The C twin of the GuestRam curve (bench/Linux.Iommu.Bench/GuestRam): one map and one unmap of a whole guest-RAM
 * buffer, timed apart, the way the runtime maps it — a memfd into an IOAS by file (IOMMU_IOAS_MAP_FILE), anything else
 * by address (IOMMU_IOAS_MAP), VFIO_IOMMU_MAP_DMA into a type1 container. Built only as libguestram.so: the C# side
 * allocates and populates the buffer once and calls this in rounds alternating with its own map + unmap of the same
 * buffer on the same IOAS or container (interleaved ratios). Layouts and numbers from <linux/iommufd.h>, <linux/vfio.h>. */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "bench.h"

/* iommufd >= 0: into IOAS ioas (by file when memfd >= 0); else into the type1 container. 0 or -errno. */
int bench_guestram_map_unmap(int iommufd, unsigned ioas, int container, int memfd, void *va, uint64_t length, uint64_t iova,
			     double *map_ns, double *unmap_ns)
{
	double start = now_ns();
	int rc;
	if (iommufd >= 0 && memfd >= 0) {
		struct iommu_ioas_map_file m = { .size = sizeof m, .ioas_id = ioas, .fd = memfd, .start = 0, .length = length, .iova = iova,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE };
		rc = ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &m);
	} else if (iommufd >= 0) {
		struct iommu_ioas_map m = { .size = sizeof m, .ioas_id = ioas, .user_va = (uintptr_t)va, .length = length, .iova = iova,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE };
		rc = ioctl(iommufd, IOMMU_IOAS_MAP, &m);
	} else {
		struct vfio_iommu_type1_dma_map m = { .argsz = sizeof m, .vaddr = (uintptr_t)va, .size = length, .iova = iova,
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE };
		rc = ioctl(container, VFIO_IOMMU_MAP_DMA, &m);
	}
	if (rc) return -errno;
	double mapped = now_ns();
	if (iommufd >= 0) {
		struct iommu_ioas_unmap u = { .size = sizeof u, .ioas_id = ioas, .iova = iova, .length = length };
		rc = ioctl(iommufd, IOMMU_IOAS_UNMAP, &u);
	} else {
		struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof u, .iova = iova, .size = length };
		rc = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u);
	}
	if (rc) return -errno;
	*map_ns = mapped - start;
	*unmap_ns = now_ns() - mapped;
	return 0;
}
