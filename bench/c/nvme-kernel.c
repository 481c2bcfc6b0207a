/* The anchor of the NVMe benchmark: the guest kernel's own nvme driver on the same QEMU controller, 4 KiB random
 * O_DIRECT reads and writes (no page cache) at queue depth 1 (pread/pwrite) and 32 (Linux AIO: io_submit keeps 32 in
 * flight, io_getevents reaps). Prints "nvme/kernel/OP/qdN<TAB>IOPS" per case: the median of ROUNDS rounds of SECONDS.
 *   nvme-kernel /dev/nvme0n1 BYTES [--dry]     BYTES: the span of the disk the random offsets cover */
#define _GNU_SOURCE
#include "bench.h"
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BLOCK 4096
#define DEPTH 32
#define NVME_ROUNDS 5

static double seconds = 1.0;
static long blocks;
static uint64_t seed = 88172645463325252ull;

static long random_block(void)
{
	seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; /* xorshift64 */
	return (long)(seed % (uint64_t)blocks);
}

static double round_qd1(int fd, char *buffer, int write)
{
	double start = now_ns(), end = start + seconds * 1e9;
	long done = 0;
	while (now_ns() < end) {
		off_t at = (off_t)random_block() * BLOCK;
		if ((write ? pwrite(fd, buffer, BLOCK, at) : pread(fd, buffer, BLOCK, at)) != BLOCK) die(write ? "pwrite" : "pread");
		done++;
	}
	return done / ((now_ns() - start) / 1e9);
}

static double round_qd32(int fd, char *buffers, int write)
{
	aio_context_t ctx = 0;
	if (syscall(SYS_io_setup, DEPTH, &ctx) < 0) die("io_setup");
	struct iocb iocbs[DEPTH], *list[1];
	struct io_event events[DEPTH];
	memset(iocbs, 0, sizeof iocbs);
	for (int i = 0; i < DEPTH; i++) {
		iocbs[i].aio_fildes = fd;
		iocbs[i].aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		iocbs[i].aio_buf = (uint64_t)(uintptr_t)(buffers + (size_t)i * BLOCK);
		iocbs[i].aio_nbytes = BLOCK;
		iocbs[i].aio_data = i;
		iocbs[i].aio_offset = random_block() * BLOCK;
		list[0] = &iocbs[i];
		if (syscall(SYS_io_submit, ctx, 1, list) != 1) die("io_submit");
	}
	double start = now_ns(), end = start + seconds * 1e9;
	long done = 0, inflight = DEPTH;
	while (inflight > 0) {
		long n = syscall(SYS_io_getevents, ctx, 1, DEPTH, events, NULL);
		if (n < 0) die("io_getevents");
		for (long e = 0; e < n; e++) {
			if (events[e].res != BLOCK) { errno = events[e].res < 0 ? (int)-events[e].res : EIO; die("aio completion"); }
			done++;
			inflight--;
			if (now_ns() >= end) continue; /* drain */
			struct iocb *cb = &iocbs[events[e].data];
			cb->aio_offset = random_block() * BLOCK;
			list[0] = cb;
			if (syscall(SYS_io_submit, ctx, 1, list) != 1) die("io_submit");
			inflight++;
		}
	}
	double iops = done / ((now_ns() - start) / 1e9);
	syscall(SYS_io_destroy, ctx);
	return iops;
}

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: nvme-kernel /dev/nvmeXnY BYTES [--dry]\n"); return 2; }
	int dry = argc > 3 && strcmp(argv[3], "--dry") == 0;
	if (dry) seconds = 0.01;
	blocks = atol(argv[2]) / BLOCK;
	if (blocks < DEPTH) { fprintf(stderr, "nvme-kernel: %s bytes is too small a span\n", argv[2]); return 2; }
	int fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) die(argv[1]);
	char *buffers;
	if (posix_memalign((void **)&buffers, BLOCK, (size_t)DEPTH * BLOCK)) die("posix_memalign");
	memset(buffers, 0x5a, (size_t)DEPTH * BLOCK);
	for (int write = 0; write <= 1; write++) {
		for (int qd = 1; qd <= DEPTH; qd += DEPTH - 1) {
			double rounds[NVME_ROUNDS];
			int n = dry ? 1 : NVME_ROUNDS;
			for (int r = 0; r < n; r++) rounds[r] = qd == 1 ? round_qd1(fd, buffers, write) : round_qd32(fd, buffers, write);
			qsort(rounds, n, sizeof rounds[0], by_value);
			printf("nvme/kernel/%s/qd%d\t%.1f\n", write ? "write" : "read", qd, rounds[n / 2]);
			fflush(stdout);
		}
	}
	close(fd);
	return 0;
}
