/* Guest baselines for the legacy VFIO type1 side: the Type1 suite's map + unmap of one region (its iommufd side is in
 * iommufd.c) and the Type1Batch suite's page loops, with VFIO_IOMMU_MAP_DMA + UNMAP_DMA on a container holding the edu
 * device's group: the same ioctls in the same order as the C# suites. Usage: type1 GROUP (the edu device's IOMMU group
 * number). Runs on kernels without iommufd (Debian's own images). */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>
#include "bench.h"

static int container;

static void map(uint64_t iova, void *va, uint64_t length)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof m, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = length };
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m)) die("VFIO_IOMMU_MAP_DMA");
}

static void unmap(uint64_t iova, uint64_t length)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof u, .iova = iova, .size = length };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u)) die("VFIO_IOMMU_UNMAP_DMA");
}

#include "loops.h"

/* Also built as a shared library, for the C# suites' interleaved rounds on the same container (see iommufd.c). */
long bench_type1_loop(int fd, int kind, void *va, unsigned long length, long n)
{
	container = fd;
	run_loop(kind, va, length, n);
	return 0;
}

/* The DirtyBitmap suite's read, for its interleaved rounds on the container the C# side tracks: n reads of the dirty
 * bitmap of [iova, iova + length) at 4 KiB pages, its words zeroed first as the kernel asks (the runtime clears the same
 * words). The argument is struct vfio_iommu_type1_dirty_bitmap with a struct vfio_iommu_type1_dirty_bitmap_get as data[]. */
long bench_type1_dirty_loop(int fd, uint64_t iova, uint64_t length, uint64_t *bitmap, long n)
{
	uint64_t request[(sizeof(struct vfio_iommu_type1_dirty_bitmap) + sizeof(struct vfio_iommu_type1_dirty_bitmap_get)) / 8];
	struct vfio_iommu_type1_dirty_bitmap *head = (void *)request;
	struct vfio_iommu_type1_dirty_bitmap_get *get = (void *)head->data;
	uint64_t bytes = (length / PAGE + 63) / 64 * 8;
	*head = (struct vfio_iommu_type1_dirty_bitmap){ .argsz = sizeof request, .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP };
	*get = (struct vfio_iommu_type1_dirty_bitmap_get){ .iova = iova, .size = length,
		.bitmap = { .pgsize = PAGE, .size = bytes, .data = (__u64 *)bitmap } };
	for (long i = 0; i < n; i++) {
		memset(bitmap, 0, bytes);
		if (ioctl(fd, VFIO_IOMMU_DIRTY_PAGES, request)) die("VFIO_IOMMU_DIRTY_PAGES");
	}
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
	static const uint64_t sizes[] = { 4096, 2UL << 20, 1UL << 30 };
	char key[128];
	for (unsigned s = 0; s < 3; s++) {
		struct region r = { buffer(sizes[s]), sizes[s] };
		snprintf(key, sizeof key, "Type1/MapUnmap/Backend=Type1/Size=%lu", (unsigned long)sizes[s]);
		measure(key, map_unmap, &r);
		munmap(r.va, r.length);
	}
	measure_pages("Type1Batch");
	close(group);
	close(container);
	return 0;
}
