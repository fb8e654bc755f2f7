// SPDX-License-Identifier: MIT
/*
 * memmap_host - what the kernel's per-page loops (__memmap_fill from
 * mm/memmap.c, __memmap_fill_template with each store kind from
 * mm/memmap_template.h: the same source) cost on the host CPU, next to
 * memset of the same bytes. Alternates the variants over several rounds and prints
 * min and median ns per struct page.
 *
 *   build/bench_memmap_host [pages]     (default 4 Mi pages = 256 MiB of struct page)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm/memmap.h"

#define ROUNDS 7

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t pages = argc > 1 ? strtoull(argv[1], NULL, 0) : 4ull << 20;
	struct page *arr = aligned_alloc(2 << 20, pages * sizeof(struct page));
	struct page tmpl = memmap_initial_page(0, ZONE_NORMAL, RUN_FREE);
	enum { MEMSET, FIELDS, FIELDS_STREAMING, TEMPLATE, VARIANTS = TEMPLATE + TEMPLATE_STORES };
	const char *names[VARIANTS] = { "memset", "memmap_fill", "memmap_fill_streaming",
					"template_plain", "template_movnti", "template_sse",
					"template_movntdq" };
	double ns[VARIANTS][ROUNDS];

	if (!arr)
		return 1;
	memset(arr, 0, pages * sizeof(struct page)); /* fault the memory in first */
	for (int r = 0; r < ROUNDS; r++)
		for (int v = 0; v < VARIANTS; v++) {
			double t0 = now_ns();

			if (v == MEMSET)
				memset(arr, 0, pages * sizeof(struct page));
			else if (v >= TEMPLATE)
				__memmap_fill_template(arr, pages, &tmpl, (enum template_store)(v - TEMPLATE));
			else
				__memmap_fill(arr, pages, &tmpl, v == FIELDS_STREAMING);
			ns[v][r] = (now_ns() - t0) / (double)pages;
		}
	printf("%llu struct pages (%llu MiB), %d rounds, ns per page:\n", (unsigned long long)pages,
	       (unsigned long long)(pages * sizeof(struct page) >> 20), ROUNDS);
	for (int v = 0; v < VARIANTS; v++) {
		qsort(ns[v], ROUNDS, sizeof(double), cmp_double);
		printf("  %-22s min %6.2f  median %6.2f\n", names[v], ns[v][0], ns[v][ROUNDS / 2]);
	}
	free(arr);
	return 0;
}
