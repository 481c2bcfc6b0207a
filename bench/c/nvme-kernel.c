/* The anchor of the NVMe benchmark: the guest kernel's own nvme driver on the same QEMU controller, 4 KiB random
 * O_DIRECT reads and writes (no page cache) at queue depth 1 (pread/pwrite) and 32 (Linux AIO: io_submit keeps 32 in
 * flight, io_getevents reaps). Prints "nvme/kernel/OP/qdN<TAB>IOPS<TAB>IOPS per CPU second<TAB>busy CPUs<TAB>process
 * share" per case, each the median of ROUNDS rounds of SECONDS. The CPU figures are the runtime of every task of the
 * guest (se.sum_exec_runtime of /proc/PID/task/TID/sched: the driver's system calls, block layer, AIO completion and the
 * interrupts charged to the task they land on) and this process's share of it, counted as the C# suite counts
 * (bench/Linux.Iommu.Bench/Nvme/GuestCpu.cs, which says what is left out and why /proc/stat is not used).
 *   nvme-kernel /dev/nvme0n1 BYTES [--dry]     BYTES: the span of the disk the random offsets cover */
#define _GNU_SOURCE
#include "bench.h"
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <dirent.h>
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

struct cpu_sample { double wall_ns, tasks_s, process_s; };
struct round_cost { double iops, iops_per_cpu_s, busy_cpus, process_share; };

/* One task's runtime in seconds; 0 when it exited while being read. */
static double task_runtime(const char *sched_path)
{
	FILE *sched = fopen(sched_path, "r");
	if (!sched) return 0;
	char line[256];
	double ms = -1;
	while (ms < 0 && fgets(line, sizeof line, sched))
		if (strncmp(line, "se.sum_exec_runtime", 19) == 0) ms = atof(strchr(line, ':') + 1);
	fclose(sched);
	if (ms < 0) {
		fprintf(stderr, "nvme-kernel: %s has no se.sum_exec_runtime: the guest kernel needs CONFIG_SCHED_DEBUG\n", sched_path);
		exit(1);
	}
	return ms / 1e3;
}

/* The runtime of every live task of the guest, and of this process's. */
static struct cpu_sample cpu_sample(void)
{
	struct cpu_sample sample = { 0 };
	DIR *proc = opendir("/proc");
	if (!proc) die("/proc");
	char self[32], path[600]; /* room for two d_names */
	snprintf(self, sizeof self, "%d", getpid());
	for (struct dirent *pid; (pid = readdir(proc));) {
		if (pid->d_name[0] < '0' || pid->d_name[0] > '9') continue;
		snprintf(path, sizeof path, "/proc/%s/task", pid->d_name);
		DIR *tasks = opendir(path);
		if (!tasks) continue; /* exited */
		double own = 0;
		for (struct dirent *task; (task = readdir(tasks));) {
			if (task->d_name[0] < '0' || task->d_name[0] > '9') continue;
			snprintf(path, sizeof path, "/proc/%s/task/%s/sched", pid->d_name, task->d_name);
			own += task_runtime(path);
		}
		closedir(tasks);
		sample.tasks_s += own;
		if (strcmp(pid->d_name, self) == 0) sample.process_s = own;
	}
	closedir(proc);
	sample.wall_ns = now_ns();
	return sample;
}

static struct round_cost round_cost(struct cpu_sample before, long done)
{
	struct cpu_sample after = cpu_sample();
	double wall = (after.wall_ns - before.wall_ns) / 1e9, busy = after.tasks_s - before.tasks_s;
	struct round_cost cost = {
		.iops = done / wall,
		.iops_per_cpu_s = done / busy,
		.busy_cpus = busy / wall,
		.process_share = (after.process_s - before.process_s) / busy,
	};
	return cost;
}

static struct round_cost round_qd1(int fd, char *buffer, int write)
{
	struct cpu_sample start = cpu_sample();
	double end = start.wall_ns + seconds * 1e9;
	long done = 0;
	while (now_ns() < end) {
		off_t at = (off_t)random_block() * BLOCK;
		if ((write ? pwrite(fd, buffer, BLOCK, at) : pread(fd, buffer, BLOCK, at)) != BLOCK) die(write ? "pwrite" : "pread");
		done++;
	}
	return round_cost(start, done);
}

static struct round_cost round_qd32(int fd, char *buffers, int write)
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
	struct cpu_sample start = cpu_sample();
	double end = start.wall_ns + seconds * 1e9;
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
	struct round_cost cost = round_cost(start, done);
	syscall(SYS_io_destroy, ctx);
	return cost;
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
			double iops[NVME_ROUNDS], per_cpu_s[NVME_ROUNDS], busy[NVME_ROUNDS], share[NVME_ROUNDS];
			int n = dry ? 1 : NVME_ROUNDS;
			for (int r = 0; r < n; r++) {
				struct round_cost cost = qd == 1 ? round_qd1(fd, buffers, write) : round_qd32(fd, buffers, write);
				iops[r] = cost.iops, per_cpu_s[r] = cost.iops_per_cpu_s, busy[r] = cost.busy_cpus, share[r] = cost.process_share;
			}
			/* each figure's own median, as the C# suite reports */
			qsort(iops, n, sizeof iops[0], by_value);
			qsort(per_cpu_s, n, sizeof per_cpu_s[0], by_value);
			qsort(busy, n, sizeof busy[0], by_value);
			qsort(share, n, sizeof share[0], by_value);
			printf("nvme/kernel/%s/qd%d\t%.1f\t%.1f\t%.3f\t%.3f\n", write ? "write" : "read", qd, iops[n / 2], per_cpu_s[n / 2],
			       busy[n / 2], share[n / 2]);
			fflush(stdout);
		}
	}
	close(fd);
	return 0;
}
