/* The loops the C twins time, shared by both kernel interfaces: the includer defines
 *   static void map(uint64_t iova, void *va, uint64_t length);   static void unmap(uint64_t iova, uint64_t length);
 * (IOMMU_IOAS_MAP/UNMAP in iommufd.c, VFIO_IOMMU_MAP_DMA/UNMAP_DMA in type1.c; each exits on a failed ioctl) before
 * including this, so an IOAS and a type1 container run the same ioctl sequence as the C# suites. */
#pragma once
#include <stdint.h>
#include <sys/mman.h>
#include "bench.h"

#define PAGE 4096UL
#define IOVA_BASE 0x40000000UL /* inside the first usable IOVA range of the guest's VT-d */

static void *buffer(uint64_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) die("mmap");
	return p;
}

struct region { void *va; uint64_t length; };

static void map_unmap(void *ctx)
{
	struct region *r = ctx;
	map(IOVA_BASE, r->va, r->length);
	unmap(IOVA_BASE, r->length);
}

struct pages { char *va; unsigned n; };

/* The scattered layout of the C# suite: every other IOVA page (no two neighbours), user pages and call order
 * permuted by an odd multiplier modulo the power-of-two N. */
static unsigned scatter(unsigned i, unsigned n) { return (i * 40503u) & (n - 1); }

static void per_page(void *ctx)
{
	struct pages *p = ctx;
	for (unsigned i = 0; i < p->n; i++) map(IOVA_BASE + i * PAGE, p->va + i * PAGE, PAGE);
	for (unsigned i = 0; i < p->n; i++) unmap(IOVA_BASE + i * PAGE, PAGE);
}

static void scattered_per_page(void *ctx)
{
	struct pages *p = ctx;
	for (unsigned i = 0; i < p->n; i++) {
		unsigned k = scatter(i, p->n);
		map(IOVA_BASE + 2 * k * PAGE, p->va + scatter(k, p->n) * PAGE, PAGE);
	}
	for (unsigned i = 0; i < p->n; i++) unmap(IOVA_BASE + 2 * scatter(i, p->n) * PAGE, PAGE);
}

static void single_ioctl(void *ctx)
{
	struct pages *p = ctx;
	map(IOVA_BASE, p->va, p->n * PAGE);
	unmap(IOVA_BASE, p->n * PAGE);
}

/* n runs of one loop, for the C# suites' interleaved rounds on the same IOAS or container. kind (CBaselines.LoopKind):
 * 0 map+unmap of the region, 1 one ioctl per page, 2 scattered pages one ioctl each, 3 the single ioctl. */
static void run_loop(int kind, void *va, unsigned long length, long n)
{
	struct region r = { va, length };
	struct pages p = { va, length / PAGE };
	static void (*const ops[])(void *) = { map_unmap, per_page, scattered_per_page, single_ioctl };
	for (long i = 0; i < n; i++) ops[kind](kind == 0 ? (void *)&r : (void *)&p);
}

/* The Batch suites' three C loops at N = 1, 64, 4096, under the keys SUITE/PerPage/N=…, SUITE/ScatteredPerPage/N=…,
 * SUITE/SingleIoctl/N=… (SUITE: Batch on an IOAS, Type1Batch on a container). */
static void measure_pages(const char *suite)
{
	static const unsigned counts[] = { 1, 64, 4096 };
	static const struct { const char *name; void (*op)(void *); } loops[] = {
		{ "PerPage", per_page }, { "ScatteredPerPage", scattered_per_page }, { "SingleIoctl", single_ioctl } };
	char key[128];
	for (unsigned c = 0; c < 3; c++) {
		struct pages p = { buffer(counts[c] * PAGE), counts[c] };
		for (unsigned l = 0; l < 3; l++) {
			snprintf(key, sizeof key, "%s/%s/N=%u", suite, loops[l].name, p.n);
			measure(key, loops[l].op, &p);
		}
		munmap(p.va, p.n * PAGE);
	}
}
