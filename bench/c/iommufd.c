/* Guest baselines for the iommufd suites (IoasMap, Batch, Type1's Iommufd backend): the same ioctls in the same
 * order as the C# suites, so each C# figure is a ratio to this. Usage: iommufd CDEV (the edu device's
 * /dev/vfio/devices/vfioN). Struct layouts and request numbers come from <linux/iommufd.h> and <linux/vfio.h>. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "bench.h"

static int iommufd, ioas_id;

static void map(uint64_t iova, void *va, uint64_t length)
{
	struct iommu_ioas_map m = { .size = sizeof m, .ioas_id = ioas_id, .user_va = (uintptr_t)va, .length = length, .iova = iova,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE };
	if (ioctl(iommufd, IOMMU_IOAS_MAP, &m)) die("IOMMU_IOAS_MAP");
}

static void unmap(uint64_t iova, uint64_t length)
{
	struct iommu_ioas_unmap u = { .size = sizeof u, .ioas_id = ioas_id, .iova = iova, .length = length };
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &u)) die("IOMMU_IOAS_UNMAP");
}

#include "loops.h"

/* A fresh IOAS, with the device attached or not (the kernel pins at map time only with a device). */
static int open_ioas(const char *cdev)
{
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) die("open /dev/iommu");
	struct iommu_ioas_alloc a = { .size = sizeof a };
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &a)) die("IOMMU_IOAS_ALLOC");
	ioas_id = a.out_ioas_id;
	if (!cdev) return -1;
	int dev = open(cdev, O_RDWR);
	if (dev < 0) die("open the vfio cdev");
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof bind, .iommufd = iommufd };
	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind)) die("VFIO_DEVICE_BIND_IOMMUFD");
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof attach, .pt_id = ioas_id };
	if (ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	return dev;
}

static void close_ioas(int dev)
{
	if (dev >= 0) close(dev); /* the device goes first: it holds the IOAS */
	close(iommufd);
}

/* Also built as a shared library: the C# suites run these loops in rounds interleaved with their own calls on the
 * same IOAS, so the guest's (emulated, shared) CPU is as busy for both (kind: see run_loop in loops.h). Exits the
 * process on a failed ioctl. */
long bench_ioas_loop(int fd, unsigned ioas, int kind, void *va, unsigned long length, long n)
{
	iommufd = fd;
	ioas_id = ioas;
	run_loop(kind, va, length, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: %s /dev/vfio/devices/vfioN\n", argv[0]); return 2; }
	static const uint64_t sizes[] = { 4096, 2UL << 20, 1UL << 30 };
	char key[128];
	for (int device = 0; device <= 1; device++) {
		int dev = open_ioas(device ? argv[1] : NULL);
		for (unsigned s = 0; s < 3; s++) {
			struct region r = { buffer(sizes[s]), sizes[s] };
			snprintf(key, sizeof key, "IoasMap/MapUnmap/Device=%s/Size=%lu", device ? "True" : "False", (unsigned long)sizes[s]);
			measure(key, map_unmap, &r);
			if (device) { /* the Type1 suite's iommufd side is the same work */
				snprintf(key, sizeof key, "Type1/MapUnmap/Backend=Iommufd/Size=%lu", (unsigned long)sizes[s]);
				measure(key, map_unmap, &r);
			}
			munmap(r.va, r.length);
		}
		if (device) measure_pages("Batch");
		close_ioas(dev);
	}
	return 0;
}
