/* Host baseline for the generated stub's overhead: IOMMU_DESTROY on /dev/null, the same call the C# suite
 * makes. The host has no /dev/iommu; /dev/null has no ioctl handler, so the kernel takes the whole path
 * (fd lookup, security hook, do_vfs_ioctl's common commands) and returns ENOTTY: the cheapest real ioctl. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>
#include "bench.h"

static int fd;

static void destroy(void *unused)
{
	(void)unused;
	struct iommu_destroy d = { .size = sizeof d, .id = 0 };
	if (ioctl(fd, IOMMU_DESTROY, &d) != -1 || errno != ENOTTY) die("IOMMU_DESTROY on /dev/null should fail with ENOTTY");
}

int main(void)
{
	fd = open("/dev/null", O_RDWR);
	if (fd < 0) die("open /dev/null");
	measure("Stub/GeneratedStub", destroy, NULL);
	return 0;
}
