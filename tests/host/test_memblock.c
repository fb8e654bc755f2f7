// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/memblock.c, written against the contract in
 * mm/memblock.h: adding and reserving ranges, top-down allocation with
 * alignment and limits, node-local allocation and the distance-ordered
 * fallback, and a randomized comparison with a brute-force allocator that
 * finds the highest aligned hole in the free gaps.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "mm/memblock.h"
#include "tests/host/check.h"

#define RNG_SEED 0x853c49e6748fea9bull
#include "tests/host/rng.h"

#define NO NUMA_NO_NODE

static struct memblock mb; /* ~28 KiB: not on the stack */

/* Storage handed to growing tables, freed at the next reset. */
static void *grown_storage[64];
static size_t grown_count;

static void reset(void)
{
	while (grown_count)
		free(grown_storage[--grown_count]);
	memset(&mb, 0, sizeof(mb));
}

#define CHECK_REGION(type, i, s, e, n)                                            \
	do {                                                                      \
		CHECK_EQ_U64(mb.type.regions[i].start, s);                        \
		CHECK_EQ_U64(mb.type.regions[i].end, e);                          \
		CHECK_EQ_U64(mb.type.regions[i].node, n);                         \
	} while (0)

static void test_add_merge(void)
{
	reset();
	memblock_add(&mb, 0x3000, 0x4000, 1);
	memblock_add(&mb, 0x1000, 0x2000, 0);
	memblock_add(&mb, 0x2000, 0x3000, 0); /* touches both: merges with the node-0 one only */
	CHECK_EQ_U64(mb.memory.count, 2);
	CHECK_REGION(memory, 0, 0x1000, 0x3000, 0);
	CHECK_REGION(memory, 1, 0x3000, 0x4000, 1);
	memblock_add(&mb, 0x1800, 0x2800, 0); /* inside: no change */
	memblock_add(&mb, 0x500, 0x1200, 0);  /* overlaps the start */
	CHECK_EQ_U64(mb.memory.count, 2);
	CHECK_REGION(memory, 0, 0x500, 0x3000, 0);
	memblock_add(&mb, 0x9000, 0x9000, 0); /* empty: ignored */
	memblock_add(&mb, 0x9000, 0x8000, 0); /* backwards: ignored */
	CHECK_EQ_U64(mb.memory.count, 2);
	memblock_add(&mb, 0x10000, 0x20000, 2);
	memblock_add(&mb, 0x8000, 0x30000, 2); /* swallows the range after it */
	CHECK_EQ_U64(mb.memory.count, 3);
	CHECK_REGION(memory, 2, 0x8000, 0x30000, 2);
	CHECK(!mb.memory.overflow);
}

static void test_reserve_overlapping(void)
{
	reset();
	memblock_add(&mb, 0, 1 * MiB, 0);
	memblock_reserve(&mb, 0x5000, 0x6000);
	memblock_reserve(&mb, 0x1000, 0x3000);
	memblock_reserve(&mb, 0x2000, 0x5000);
	CHECK_EQ_U64(mb.reserved.count, 1);
	CHECK_REGION(reserved, 0, 0x1000, 0x6000, NO);
	memblock_reserve(&mb, 0x8000, 0x9000);
	memblock_reserve(&mb, 0x0, 0x100000); /* covers everything */
	CHECK_EQ_U64(mb.reserved.count, 1);
	CHECK_REGION(reserved, 0, 0, 0x100000, NO);
	CHECK(memblock_is_reserved(&mb, 0));
	CHECK(memblock_is_reserved(&mb, 0xfffff));
	CHECK(!memblock_is_reserved(&mb, 0x100000));
	CHECK_EQ_U64(memblock_free_bytes(&mb, NO), 0);
}

static void test_alloc_top_down_align_limit(void)
{
	uint64_t a;
	int got = 99;

	reset();
	memblock_add(&mb, 1 * MiB, 16 * MiB, 0);
	a = memblock_alloc(&mb, 4 * KiB, 4 * KiB, 0, 0);
	CHECK_EQ_U64(a, 16 * MiB - 4 * KiB);
	CHECK(memblock_is_reserved(&mb, a));
	/* 8 KiB aligned to 64 KiB: the highest 64 KiB boundary leaving room. */
	a = memblock_alloc(&mb, 8 * KiB, 64 * KiB, 0, 0);
	CHECK_EQ_U64(a, 16 * MiB - 64 * KiB);
	/* The limit is where the block must end at or below. */
	a = memblock_alloc(&mb, 4 * KiB, 4 * KiB, 0, 8 * MiB);
	CHECK_EQ_U64(a, 8 * MiB - 4 * KiB);
	a = memblock_alloc(&mb, 3, 1, NO, 8 * MiB);
	CHECK_EQ_U64(a, 8 * MiB - 4 * KiB - 3);
	/* [14M, 16M) holds the blocks above: the next 2 MiB boundary down. */
	a = memblock_alloc_on(&mb, 2 * MiB, 2 * MiB, 0, 0, &got);
	CHECK_EQ_U64(a, 12 * MiB);
	CHECK_EQ_U64(got, 0);
	/* Nothing below the limit: no memory there. */
	CHECK_EQ_U64(memblock_alloc_on(&mb, 4 * KiB, 4 * KiB, 0, 1 * MiB, &got), 0);
	CHECK_EQ_U64(got, NO);
	/* Bad requests. */
	CHECK_EQ_U64(memblock_alloc(&mb, 0, 4 * KiB, 0, 0), 0);
	CHECK_EQ_U64(memblock_alloc(&mb, 4 * KiB, 0, 0, 0), 0);
	CHECK_EQ_U64(memblock_alloc(&mb, 4 * KiB, 3 * KiB, 0, 0), 0);
	/* The gap between the 64 KiB-aligned block and the first page is used. */
	CHECK_EQ_U64(memblock_alloc_on(&mb, 4 * KiB, 4 * KiB, 0, 0, NULL), 16 * MiB - 8 * KiB);
	CHECK_EQ_U64(mb.node_fallbacks, 0);
}

static void test_exhaustion(void)
{
	reset();
	memblock_add(&mb, 0x100000, 0x104000, 0);
	memblock_reserve(&mb, 0x101000, 0x102000);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0x103000);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0x102000);
	CHECK_EQ_U64(memblock_alloc(&mb, 8192, 4096, 0, 0), 0); /* one page left: no two */
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0x100000);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0);
	CHECK_EQ_U64(memblock_alloc(&mb, 1, 1, NO, 0), 0);
	CHECK_EQ_U64(memblock_free_bytes(&mb, NO), 0);

	/* Address 0 is never handed out: 0 means failure. */
	reset();
	memblock_add(&mb, 0, 0x2000, 0);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0x1000);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 0, 0), 0);
	CHECK(!memblock_is_reserved(&mb, 0));
}

/*
 * Four nodes laid out so that address order and distance disagree:
 *   node 1 [16M, 32M)  node 3 [32M, 48M)  node 2 [48M, 64M)  node 0 [64M, 80M)
 * and [80M, 96M) not given to any node yet. Distances pair 0-1 and 2-3.
 */
static const int order_by_distance[4][4] = {
	{ 0, 1, 2, 3 },
	{ 1, 0, 2, 3 },
	{ 2, 3, 0, 1 },
	{ 3, 2, 0, 1 },
};

static void four_nodes(void)
{
	reset();
	memblock_add(&mb, 16 * MiB, 32 * MiB, 1);
	memblock_add(&mb, 32 * MiB, 48 * MiB, 3);
	memblock_add(&mb, 48 * MiB, 64 * MiB, 2);
	memblock_add(&mb, 64 * MiB, 80 * MiB, 0);
	memblock_add(&mb, 80 * MiB, 96 * MiB, NO);
}

static void test_node_local(void)
{
	int got = 99;
	uint64_t a;

	static const uint64_t top[4] = { 80 * MiB, 32 * MiB, 64 * MiB, 48 * MiB };

	four_nodes();
	for (int n = 0; n < 4; n++) {
		a = memblock_alloc_on(&mb, 64 * KiB, 4 * KiB, n, 0, &got);
		CHECK_EQ_U64(got, n);
		CHECK_EQ_U64(a, top[n] - 64 * KiB);
	}
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 2, 0), 64 * MiB - 64 * KiB - 4096);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 1, 0), 32 * MiB - 64 * KiB - 4096);
	CHECK_EQ_U64(mb.node_fallbacks, 0);
	/* NUMA_NO_NODE takes the highest memory, assigned or not. */
	CHECK_EQ_U64(memblock_alloc_on(&mb, 4096, 4096, NO, 0, &got), 96 * MiB - 4096);
	CHECK_EQ_U64(got, NO);
	CHECK_EQ_U64(mb.node_fallbacks, 0);
}

static void test_fallback_by_distance(void)
{
	int got = 99;
	uint64_t a;

	four_nodes();
	memblock_set_fallback(&mb, 4, &order_by_distance[0][0]);
	CHECK_EQ_U64(mb.node_count, 4);
	memblock_reserve(&mb, 48 * MiB, 64 * MiB); /* node 2 full */
	a = memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got);
	CHECK_EQ_U64(got, 3); /* its nearest node, not node 0 nor the highest memory */
	CHECK_EQ_U64(a, 48 * MiB - 4096);
	CHECK_EQ_U64(mb.node_fallbacks, 1);
	memblock_reserve(&mb, 32 * MiB, 48 * MiB); /* node 3 full too */
	a = memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got);
	CHECK_EQ_U64(got, 0);
	CHECK_EQ_U64(a, 80 * MiB - 4096);
	/* The limit applies along the fallback: only node 1 has room below 32M. */
	a = memblock_alloc_on(&mb, 4096, 4096, 2, 32 * MiB, &got);
	CHECK_EQ_U64(got, 1);
	memblock_reserve(&mb, 16 * MiB, 32 * MiB);
	memblock_reserve(&mb, 64 * MiB, 80 * MiB);
	/* Every node full: unassigned memory serves last. */
	a = memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got);
	CHECK_EQ_U64(got, NO);
	CHECK_EQ_U64(a, 96 * MiB - 4096);
	CHECK_EQ_U64(mb.node_fallbacks, 4);
	memblock_reserve(&mb, 80 * MiB, 96 * MiB);
	CHECK_EQ_U64(memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got), 0);
	CHECK_EQ_U64(got, NO);
	CHECK_EQ_U64(mb.node_fallbacks, 4);

	/* Without an order: the old behaviour, the highest memory of any node. */
	four_nodes();
	memblock_reserve(&mb, 48 * MiB, 64 * MiB);
	memblock_reserve(&mb, 80 * MiB, 96 * MiB);
	a = memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got);
	CHECK_EQ_U64(got, 0);
	/* Clearing an order restores it. */
	memblock_set_fallback(&mb, 4, &order_by_distance[0][0]);
	memblock_set_fallback(&mb, 0, NULL);
	CHECK_EQ_U64(mb.node_count, 0);
	CHECK_EQ_U64(memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got), a - 4096);
	CHECK_EQ_U64(got, 0);
}

static void test_fallback_odd_orders(void)
{
	/* Rows with junk and repeats; a node past the order falls back to any. */
	const int junk[3][3] = { { 0, -1, 7 }, { 1, 1, 0 }, { 2, 99, 1 } };
	int got = 99;

	four_nodes();
	memblock_set_fallback(&mb, 3, &junk[0][0]);
	memblock_reserve(&mb, 48 * MiB, 64 * MiB); /* node 2 */
	memblock_reserve(&mb, 80 * MiB, 96 * MiB); /* unassigned */
	memblock_alloc_on(&mb, 4096, 4096, 2, 0, &got);
	CHECK_EQ_U64(got, 1); /* 99 skipped */
	memblock_reserve(&mb, 32 * MiB, 48 * MiB); /* node 3, not in a 3-node order */
	CHECK(memblock_alloc_on(&mb, 4096, 4096, 3, 0, &got) != 0);
	CHECK_EQ_U64(got, 0); /* highest memory */
	/* A NULL order clears. */
	memblock_set_fallback(&mb, 3, NULL);
	CHECK_EQ_U64(mb.node_count, 0);
	/* Larger than MEMBLOCK_MAX_NODES: kept up to the limit, read with the right stride. */
	{
		static int big[MEMBLOCK_MAX_NODES + 1][MEMBLOCK_MAX_NODES + 1];

		for (int i = 0; i <= MEMBLOCK_MAX_NODES; i++)
			for (int j = 0; j <= MEMBLOCK_MAX_NODES; j++)
				big[i][j] = (i + j) % (MEMBLOCK_MAX_NODES + 1);
		memblock_set_fallback(&mb, MEMBLOCK_MAX_NODES + 1, &big[0][0]);
		CHECK_EQ_U64(mb.node_count, MEMBLOCK_MAX_NODES);
		CHECK_EQ_U64(mb.fallback_order[5][0], 5);
		CHECK_EQ_U64(mb.fallback_order[63][1], 64);
	}
}

static void test_set_node_splitting(void)
{
	reset();
	memblock_add(&mb, 0, 64 * MiB, NO);
	memblock_set_node(&mb, 16 * MiB, 32 * MiB, 1);
	CHECK_EQ_U64(mb.memory.count, 3);
	CHECK_REGION(memory, 0, 0, 16 * MiB, NO);
	CHECK_REGION(memory, 1, 16 * MiB, 32 * MiB, 1);
	CHECK_REGION(memory, 2, 32 * MiB, 64 * MiB, NO);
	memblock_set_node(&mb, 32 * MiB, 64 * MiB, 1); /* merges with its neighbour */
	CHECK_EQ_U64(mb.memory.count, 2);
	CHECK_REGION(memory, 1, 16 * MiB, 64 * MiB, 1);
	memblock_set_node(&mb, 8 * MiB, 40 * MiB, 2); /* across two regions */
	CHECK_EQ_U64(mb.memory.count, 3);
	CHECK_REGION(memory, 0, 0, 8 * MiB, NO);
	CHECK_REGION(memory, 1, 8 * MiB, 40 * MiB, 2);
	CHECK_REGION(memory, 2, 40 * MiB, 64 * MiB, 1);
	memblock_set_node(&mb, 0, 64 * MiB, 0);
	CHECK_EQ_U64(mb.memory.count, 1);
	CHECK_REGION(memory, 0, 0, 64 * MiB, 0);
}

/*
 * As the kernel's hook does: take the storage from memblock itself (so the
 * table grows while its own reservation must still fit), here backed by
 * malloc since the test's addresses are not real.
 */
static void *grow_from_itself(struct memblock *m, size_t bytes)
{
	if (!memblock_alloc(m, bytes, 8, NO, 0) || grown_count == 64)
		return NULL;
	return grown_storage[grown_count++] = malloc(bytes);
}

/* Thousands of ranges, reservations and node cuts: the tables grow, nothing is lost. */
static void test_tables_grow(void)
{
	enum { N = 3000 };

	reset();
	mb.grow = grow_from_itself;
	memblock_add(&mb, 1ull << 40, (1ull << 40) + 64 * MiB, NO); /* where the tables grow */
	for (uint64_t i = 0; i < N; i++) /* 1 MiB of RAM every 2 MiB */
		memblock_add(&mb, i * 2 * MiB, i * 2 * MiB + MiB, NO);
	CHECK_EQ_U64(mb.memory.count, N + 1);
	for (uint64_t i = 0; i < N; i++) /* a page in each range, not touching the next */
		memblock_reserve(&mb, i * 2 * MiB + 8192, i * 2 * MiB + 12288);
	for (uint64_t i = 0; i < N; i++) /* each range in two nodes */
		memblock_set_node(&mb, i * 2 * MiB + MiB / 2, i * 2 * MiB + MiB, (int)(i % 3));
	CHECK(!mb.memory.overflow && !mb.reserved.overflow);
	CHECK(mb.grown >= 10);
	CHECK_EQ_U64(mb.memory.count, 2 * N + 1);
	CHECK(mb.reserved.count >= N + 1); /* the tables' own storage too */
	for (uint64_t i = 0; i < N; i += 97) {
		CHECK_REGION(memory, 2 * i, i * 2 * MiB, i * 2 * MiB + MiB / 2, NO);
		CHECK_REGION(memory, 2 * i + 1, i * 2 * MiB + MiB / 2, i * 2 * MiB + MiB, (int)(i % 3));
		CHECK(memblock_is_reserved(&mb, i * 2 * MiB + 8192));
		CHECK(!memblock_is_reserved(&mb, i * 2 * MiB + 12288));
	}
	/* The tables' storage came from the top range; the nodes' halves are untouched. */
	CHECK(memblock_free_bytes(&mb, NO) < N * (MiB - 4096) + 64 * MiB);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 0) + memblock_free_bytes(&mb, 1) +
			     memblock_free_bytes(&mb, 2),
		     N * MiB / 2);
	reset();
}

/* A reservation given back: split where it straddles, gone where it is inside, free again. */
static void test_free_reservation(void)
{
	reset();
	memblock_add(&mb, 0, 16 * MiB, 0);
	memblock_reserve(&mb, 1 * MiB, 4 * MiB);
	memblock_reserve(&mb, 8 * MiB, 9 * MiB);
	memblock_free(&mb, 2 * MiB, 3 * MiB); /* the middle of the first */
	CHECK_EQ_U64(mb.reserved.count, 3);
	CHECK_REGION(reserved, 0, 1 * MiB, 2 * MiB, NO);
	CHECK_REGION(reserved, 1, 3 * MiB, 4 * MiB, NO);
	memblock_free(&mb, 7 * MiB, 10 * MiB); /* the whole second and around it */
	CHECK_EQ_U64(mb.reserved.count, 2);
	CHECK(!memblock_is_reserved(&mb, 2 * MiB) && !memblock_is_reserved(&mb, 8 * MiB));
	CHECK_EQ_U64(memblock_free_bytes(&mb, 0), 16 * MiB - 2 * MiB);
	memblock_free(&mb, 5 * MiB, 5 * MiB); /* empty: nothing */
	CHECK_EQ_U64(mb.reserved.count, 2);
}

/* Bottom-up: the lowest aligned fit above the reservations, in the lowest region that has one. */
static void test_bottom_up(void)
{
	reset();
	mb.bottom_up = true;
	memblock_add(&mb, 0, 16 * MiB, 0);
	memblock_add(&mb, 32 * MiB, 48 * MiB, 1);
	memblock_reserve(&mb, 0, 1 * MiB);
	memblock_reserve(&mb, 2 * MiB, 3 * MiB);
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, NO, 0), 1 * MiB);
	CHECK_EQ_U64(memblock_alloc(&mb, 2 * MiB, 2 * MiB, NO, 0), 4 * MiB); /* 3 MiB is not aligned */
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, 1, 0), 32 * MiB);     /* the node's own, lowest */
	CHECK_EQ_U64(memblock_alloc(&mb, 20 * MiB, 4096, NO, 0), 0);       /* no gap that large */
	mb.bottom_up = false;
	CHECK_EQ_U64(memblock_alloc(&mb, 4096, 4096, NO, 0), 48 * MiB - 4096);
}

/* Without a hook a full table keeps what it has and says a region was lost. */
static void test_table_full_without_grow(void)
{
	reset();
	for (uint64_t i = 0; i < MEMBLOCK_INITIAL_REGIONS + 5; i++)
		memblock_add(&mb, i * 2 * MiB, i * 2 * MiB + MiB, NO);
	CHECK_EQ_U64(mb.memory.count, MEMBLOCK_INITIAL_REGIONS);
	CHECK(mb.memory.overflow);
	CHECK_EQ_U64(mb.grown, 0);
	memblock_set_node(&mb, MiB / 2, MiB, 1); /* a split with no room changes nothing */
	CHECK_REGION(memory, 0, 0, MiB, NO);
}

static void test_free_bytes_per_node(void)
{
	four_nodes();
	CHECK_EQ_U64(memblock_free_bytes(&mb, NO), 80 * MiB);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 2), 16 * MiB);
	memblock_reserve(&mb, 40 * MiB, 50 * MiB); /* 8M of node 3, 2M of node 2 */
	CHECK_EQ_U64(memblock_free_bytes(&mb, 3), 8 * MiB);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 2), 14 * MiB);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 1), 16 * MiB);
	memblock_reserve(&mb, 0, 1 * MiB); /* outside all memory: costs nothing */
	CHECK_EQ_U64(memblock_free_bytes(&mb, NO), 70 * MiB);
	memblock_alloc(&mb, 1 * MiB, 4096, 0, 0);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 0), 15 * MiB);
	CHECK_EQ_U64(memblock_free_bytes(&mb, 5), 0);
}

/* ---- randomized comparison with a brute-force allocator ----------------- */

#define RAND_NODES 5

struct span {
	uint64_t start, end;
};

static struct span reserved_copy[4096];
static size_t reserved_copy_count;

static bool was_reserved(uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < reserved_copy_count; i++)
		if (reserved_copy[i].start < end && start < reserved_copy[i].end)
			return true;
	return false;
}

/*
 * The highest @align-aligned block of @size inside one of @node's regions
 * (NO: any region), ending at or below @limit, that touches no reserved
 * byte; 0 if none. Scans every candidate gap end, no cleverness.
 */
static uint64_t reference_fit(int node, uint64_t size, uint64_t align, uint64_t limit,
			      int *region_node)
{
	uint64_t best = 0;

	for (size_t i = 0; i < mb.memory.count; i++) {
		const struct memblock_region *r = &mb.memory.regions[i];
		uint64_t hi = limit && limit < r->end ? limit : r->end;

		if (node != NO && r->node != node)
			continue;
		/* Candidate tops: the region's top and every reservation start inside it. */
		for (size_t j = 0; j <= reserved_copy_count; j++) {
			uint64_t top = j < reserved_copy_count ? reserved_copy[j].start : hi;
			uint64_t cand;

			if (top > hi || top <= r->start || top - r->start < size)
				continue;
			cand = (top - size) & ~(align - 1);
			if (cand < r->start || !cand || was_reserved(cand, cand + size))
				continue;
			if (cand > best) {
				best = cand;
				*region_node = r->node;
			}
		}
	}
	return best;
}

static uint64_t reference_free(int node)
{
	uint64_t total = 0;

	for (size_t i = 0; i < mb.memory.count; i++) {
		const struct memblock_region *r = &mb.memory.regions[i];

		if (node != NO && r->node != node)
			continue;
		for (uint64_t a = r->start; a < r->end; a += 4096) /* maps are page-granular here */
			total += was_reserved(a, a + 4096) ? 0 : 4096;
	}
	return total;
}

static void snapshot_reserved(void)
{
	reserved_copy_count = mb.reserved.count;
	for (size_t i = 0; i < mb.reserved.count; i++)
		reserved_copy[i] = (struct span){ mb.reserved.regions[i].start,
						  mb.reserved.regions[i].end };
}

static void random_layout(int order[RAND_NODES][RAND_NODES])
{
	uint64_t at = rnd(4) * 4096;
	unsigned regions = 1 + (unsigned)rnd(8);

	reset();
	for (unsigned i = 0; i < regions; i++) {
		uint64_t len = (1 + rnd(64)) * 4096;

		if (rnd(3) == 0)
			at += (1 + rnd(16)) * 4096;
		memblock_add(&mb, at, at + len, (int)rnd(RAND_NODES + 1) - 1);
		at += len;
	}
	for (unsigned i = rnd(12); i > 0; i--) {
		uint64_t s = rnd(at / 4096 + 4) * 4096;

		memblock_reserve(&mb, s, s + (1 + rnd(8)) * 4096);
	}
	/* A random permutation per row, the row's own node first. */
	for (int n = 0; n < RAND_NODES; n++) {
		for (int k = 0; k < RAND_NODES; k++)
			order[n][k] = k;
		for (int k = RAND_NODES - 1; k > 0; k--) {
			int j = (int)rnd((uint64_t)k + 1), tmp = order[n][k];

			order[n][k] = order[n][j];
			order[n][j] = tmp;
		}
	}
	if (rnd(4))
		memblock_set_fallback(&mb, RAND_NODES, &order[0][0]);
}

/* What memblock_alloc_on must return: node first, then its row, then anything. */
static uint64_t reference_alloc(const int order[RAND_NODES][RAND_NODES], int node,
				uint64_t size, uint64_t align, uint64_t limit, int *want_node)
{
	uint64_t a = reference_fit(node, size, align, limit, want_node);

	if (a || node == NO)
		return a;
	for (int k = 0; mb.node_count && k < RAND_NODES; k++)
		if (order[node][k] != node && (a = reference_fit(order[node][k], size, align, limit,
								 want_node)))
			return a;
	return reference_fit(NO, size, align, limit, want_node);
}

static void test_random_against_reference(void)
{
	int order[RAND_NODES][RAND_NODES];

	for (unsigned iter = 0; iter < 3000; iter++) {
		random_layout(order);
		for (unsigned k = 0; k < 24; k++) {
			uint64_t size = rnd(4) ? (1 + rnd(6)) * 4096 : 1 + rnd(3 * 4096);
			uint64_t align = 1ull << rnd(16);
			uint64_t limit = rnd(3) ? 0 : rnd(mb.memory.regions[mb.memory.count - 1].end + 8192);
			int node = (int)rnd(RAND_NODES + 1) - 1, got = 99, want_node = 99;
			unsigned fallbacks = mb.node_fallbacks;
			uint64_t free_before, a, want;

			snapshot_reserved();
			free_before = memblock_free_bytes(&mb, NO);
			want = reference_alloc(order, node, size, align, limit, &want_node);
			a = memblock_alloc_on(&mb, size, align, node, limit, &got);
			CHECK_EQ_U64(a, want);
			if (!a) {
				CHECK_EQ_U64(got, NO);
				CHECK_EQ_U64(mb.node_fallbacks, fallbacks);
				continue;
			}
			CHECK_EQ_U64(got, want_node);
			CHECK_EQ_U64(a & (align - 1), 0);
			CHECK(!limit || a + size <= limit);
			CHECK(!was_reserved(a, a + size)); /* never hands out reserved bytes */
			CHECK(memblock_is_reserved(&mb, a) && memblock_is_reserved(&mb, a + size - 1));
			CHECK_EQ_U64(memblock_free_bytes(&mb, NO), free_before - size);
			CHECK_EQ_U64(mb.node_fallbacks, fallbacks + (node != NO && got != node));
		}
		snapshot_reserved();
		if (iter % 16 == 0) {
			/* Page-granular state only (sub-page allocations make byte counts). */
			bool pages = true;

			for (size_t i = 0; i < mb.reserved.count; i++)
				pages &= !((mb.reserved.regions[i].start | mb.reserved.regions[i].end) & 4095);
			for (int n = NO; pages && n < RAND_NODES; n++)
				CHECK_EQ_U64(memblock_free_bytes(&mb, n), reference_free(n));
		}
		CHECK(!mb.reserved.overflow && !mb.memory.overflow);
		if (check_failed_checks > CHECK_PRINT_MAX)
			break;
	}
}

CHECK_MAIN(CHECK_TEST(test_add_merge), CHECK_TEST(test_reserve_overlapping),
	   CHECK_TEST(test_alloc_top_down_align_limit), CHECK_TEST(test_exhaustion),
	   CHECK_TEST(test_node_local), CHECK_TEST(test_fallback_by_distance),
	   CHECK_TEST(test_fallback_odd_orders), CHECK_TEST(test_set_node_splitting),
	   CHECK_TEST(test_free_bytes_per_node), CHECK_TEST(test_tables_grow), CHECK_TEST(test_free_reservation), CHECK_TEST(test_bottom_up),
	   CHECK_TEST(test_table_full_without_grow), CHECK_TEST(test_random_against_reference))
