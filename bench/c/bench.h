/* Shared by the C baselines: a monotonic clock and the one output format the report reads.
 * Each case runs ROUNDS rounds of enough iterations to fill ~BUDGET_NS, after one warm-up call; the figure is
 * the median of the rounds' ns per operation, compared with BenchmarkDotNet's Median of its iterations: on a
 * shared 2-core machine other jobs only ever add time, and the median ignores the rounds they hit.
 * With BENCH_DRY set (bench/run.sh --dry) each case runs once: proof that its ioctls work, not a figure. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 11
#define BUDGET_NS 50000000.0 /* 50 ms a round: enough under TCG, where one op can take milliseconds */

static inline double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static inline void die(const char *what)
{
	fprintf(stderr, "C baseline: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs op(ctx) in calibrated rounds and prints "key<TAB>ns" per one of the per_op units each op does (an op that
 * sends a batch of 64 entries: per_op 64, ns per entry). op returns 0 or exits the program. */
static inline void measure_per(const char *key, void (*op)(void *), void *ctx, double per_op)
{
	double start = now_ns();
	op(ctx); /* warm-up and calibration */
	double one = now_ns() - start;
	if (getenv("BENCH_DRY")) {
		printf("dry: %s ran once\n", key);
		fflush(stdout);
		return;
	}
	long iterations = one > 0 ? (long)(BUDGET_NS / one) : 1000000;
	if (iterations < 1) iterations = 1;
	double rounds[ROUNDS];
	for (int round = 0; round < ROUNDS; round++) {
		start = now_ns();
		for (long i = 0; i < iterations; i++) op(ctx);
		rounds[round] = (now_ns() - start) / iterations / per_op;
	}
	qsort(rounds, ROUNDS, sizeof rounds[0], by_value);
	printf("%s\t%.3f\n", key, rounds[ROUNDS / 2]);
	fflush(stdout);
}

/* Runs op(ctx) in calibrated rounds and prints "key<TAB>ns/op". */
static inline void measure(const char *key, void (*op)(void *), void *ctx)
{
	measure_per(key, op, ctx, 1);
}
