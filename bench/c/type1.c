/* Guest baseline for the legacy VFIO type1 side of the Type1 suite: VFIO_IOMMU_MAP_DMA + UNMAP_DMA of the same
 * regions the iommufd side maps. Usage: type1 GROUP (the edu device's IOMMU group number). */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>
#include "bench.h"

#define IOVA_BASE 0x40000000UL

static int container;

struct region { void *va; uint64_t length; };

static void map_unmap(void *ctx)
{
	struct region *r = ctx;
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof m, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)r->va, .iova = IOVA_BASE, .size = r->length };
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m)) die("VFIO_IOMMU_MAP_DMA");
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof u, .iova = IOVA_BASE, .size = r->length };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u)) die("VFIO_IOMMU_UNMAP_DMA");
}

/* Also built as a shared library, for the C# suite's interleaved rounds (see iommufd.c). */
long bench_type1_loop(int fd, void *va, unsigned long length, long n)
{
	container = fd;
	struct region r = { va, length };
	for (long i = 0; i < n; i++) map_unmap(&r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: %s GROUP\n", argv[0]); return 2; }
	char path[64];
	snprintf(path, sizeof path, "/dev/vfio/%s", argv[1]);
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) die("open /dev/vfio/vfio");
	int group = open(path, O_RDWR);
	if (group < 0) die("open the VFIO group");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container)) die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) die("VFIO_SET_IOMMU");
	static const uint64_t sizes[] = { 4096, 2UL << 20 };
	char key[128];
	for (unsigned s = 0; s < 2; s++) {
		struct region r = { mmap(NULL, sizes[s], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0), sizes[s] };
		if (r.va == MAP_FAILED) die("mmap");
		snprintf(key, sizeof key, "Type1/MapUnmap/Backend=Type1/Size=%lu", (unsigned long)sizes[s]);
		measure(key, map_unmap, &r);
		munmap(r.va, r.length);
	}
	close(group);
	close(container);
	return 0;
}
