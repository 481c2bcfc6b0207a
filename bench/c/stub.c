/* Host baseline for the generated stub's overhead: IOMMU_DESTROY on /dev/null, the same call the C# suite
 * makes. The host has no /dev/iommu; /dev/null has no ioctl handler, so the kernel takes the whole path
 * (fd lookup, security hook, do_vfs_ioctl's common commands) and returns ENOTTY: the cheapest real ioctl. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>
#include "bench.h"

static int fd;

/* Also built as a shared library: the C# suite calls this loop in rounds interleaved with its own, so load
 * from other jobs hits both sides alike. Returns the number of calls that did not fail with ENOTTY. */
long stub_destroy_loop(int descriptor, long n)
{
	long wrong = 0;
	for (long i = 0; i < n; i++) {
		struct iommu_destroy d = { .size = sizeof d, .id = 0 };
		wrong += ioctl(descriptor, IOMMU_DESTROY, &d) != -1 || errno != ENOTTY;
	}
	return wrong;
}

static void destroy(void *unused)
{
	(void)unused;
	if (stub_destroy_loop(fd, 1)) die("IOMMU_DESTROY on /dev/null should fail with ENOTTY");
}

int main(void)
{
	fd = open("/dev/null", O_RDWR);
	if (fd < 0) die("open /dev/null");
	measure("Stub/GeneratedStub", destroy, NULL);
	return 0;
}
