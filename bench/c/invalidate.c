/* Guest baseline for NestedBench: IOMMU_HWPT_INVALIDATE of the selftest mock's nested HWPT (CONFIG_IOMMUFD_TEST),
 * one entry per ioctl (as QEMU forwards a guest's invalidations) and in batches of 8/64/256 entries, so each C# figure
 * is a ratio to this. Usage: invalidate (no device needed: the mock device is the kernel's). Layouts and numbers come
 * from <linux/iommufd.h> and the selftest's iommufd_test.h (headers/extract-set.sh --set iommufd-test-7.3). */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include "drivers/iommu/iommufd/iommufd_test.h"
#include "bench.h"

#define MAX_BATCH 256

/* n invalidation entries (each clearing one mock IOTLB entry) in ioctls of up to batch entries; returns n.
 * Exported for the C# suite's interleaved rounds. */
long bench_invalidate_loop(int fd, uint32_t hwpt_id, uint32_t batch, long n)
{
	struct iommu_hwpt_invalidate_selftest entries[MAX_BATCH];
	for (uint32_t i = 0; i < MAX_BATCH; i++) entries[i] = (struct iommu_hwpt_invalidate_selftest){ .iotlb_id = i % MOCK_NESTED_DOMAIN_IOTLB_NUM };
	for (long done = 0; done < n;) {
		uint32_t count = n - done < batch ? (uint32_t)(n - done) : batch;
		struct iommu_hwpt_invalidate inv = { .size = sizeof inv, .hwpt_id = hwpt_id, .data_uptr = (uintptr_t)entries,
			.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, .entry_len = sizeof entries[0], .entry_num = count };
		if (ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv) || inv.entry_num != count) die("IOMMU_HWPT_INVALIDATE");
		done += count;
	}
	return n;
}

static int iommufd;
static uint32_t nested_id, batch_size;

static uint32_t hwpt_alloc(uint32_t dev_id, uint32_t pt_id, uint32_t flags, uint32_t data_type, void *data, uint32_t data_len)
{
	struct iommu_hwpt_alloc a = { .size = sizeof a, .flags = flags, .dev_id = dev_id, .pt_id = pt_id, .data_type = data_type,
		.data_len = data_len, .data_uptr = (uintptr_t)data };
	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &a)) die("IOMMU_HWPT_ALLOC");
	return a.out_hwpt_id;
}

/* one op = one ioctl of batch_size entries */
static void op(void *ctx)
{
	(void)ctx;
	bench_invalidate_loop(iommufd, nested_id, batch_size, batch_size);
}

int main(void)
{
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) die("open /dev/iommu");
	struct iommu_ioas_alloc ioas = { .size = sizeof ioas };
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas)) die("IOMMU_IOAS_ALLOC");
	struct iommu_test_cmd mock = { .size = sizeof mock, .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas.out_ioas_id };
	if (ioctl(iommufd, IOMMU_TEST_CMD, &mock)) die("IOMMU_TEST_OP_MOCK_DOMAIN");
	uint32_t dev_id = mock.mock_domain.out_idev_id;
	uint32_t parent = hwpt_alloc(dev_id, ioas.out_ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_DATA_NONE, NULL, 0);
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	nested_id = hwpt_alloc(dev_id, parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data, sizeof data);

	static const uint32_t batches[] = { 1, 8, 64, 256 };
	for (unsigned i = 0; i < sizeof batches / sizeof batches[0]; i++) {
		char key[64];
		batch_size = batches[i];
		snprintf(key, sizeof key, "NestedInvalidate/Invalidate/Batch=%u", batch_size);
		measure_per(key, op, NULL, batch_size); /* ns per invalidation entry */
	}
	close(iommufd); /* takes the HWPTs, the mock device and the IOAS along */
	return 0;
}
