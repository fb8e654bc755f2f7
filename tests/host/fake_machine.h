/* SPDX-License-Identifier: MIT */
/*
 * fake_machine - a machine in host memory for the mem_map, buddy and verify
 * tests: a NUMA topology, memblock, page arrays, the section table, the
 * mem_map and an (empty until fed) buddy allocator.
 *
 * A test builds one with
 *
 *	struct fixture *f = fx_new();
 *	fx_ram(f, 0, 0, 64 * MiB);        RAM per node, in address order
 *	fx_reserve(f, 0, 1 * MiB);        memblock reservations
 *	fx_setup(f);                      or fx_setup_buddy(f)
 *	fx_init_all(f);                   every page of every span
 *	fx_free_all(f);                   the free RAM to the buddy allocator
 *	...
 *	fx_free(f);
 *
 * Next to it: the reference (what each pfn is, from the layout alone),
 * snapshots of the page arrays, the tests' random numbers (rng.h) and
 * chunks of spans to initialize out of order.
 *
 * Most of it is in fake_machine.c. What is here, static inline, either
 * CHECKs (check.h counts per file, so the check must be compiled into the
 * test), calls mm/buddy.c (which the mem_map test does not link) or draws
 * random numbers (rng.h keeps one sequence per file: the test's).
 */
#ifndef MEMINIT_TESTS_HOST_FAKE_MACHINE_H
#define MEMINIT_TESTS_HOST_FAKE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "tests/host/check.h"
#include "tests/host/rng.h"

#define GARBAGE 0xa5 /* the byte fresh or scrubbed page arrays are full of */

struct fixture {
	struct numa_topology topo;
	struct memblock mb;
	struct memmap mm;
	struct buddy b;               /* set up by fx_setup_buddy() only */
	struct page *maps[MAX_NODES]; /* node n's page array, NULL if it has no span */
	uint8_t *sections;
};

/* An empty machine: no nodes, no memory. */
static inline struct fixture *fx_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	CHECK(f != NULL);
	return f;
}

/* RAM [start, end) on @node; call in address order per node. */
void fx_ram(struct fixture *f, unsigned node, uint64_t start, uint64_t end);

void fx_reserve(struct fixture *f, uint64_t start, uint64_t end);

/*
 * The standard layout's RAM, three nodes: node 0 with the real-mode hole
 * and the 16 MiB zone boundary inside RAM; node 1 with a hole inside its
 * span and RAM across 4 GiB; node 2 starting at an unaligned pfn.
 */
void fx_standard_ram(struct fixture *f);

/*
 * fx_standard_ram() and its reservations: the low 1 MiB, a range across
 * 16 MiB, one not 1024-page aligned, a sub-page one, one in a hole, one
 * across a node's first page, the last page of a node.
 */
void fx_standard(struct fixture *f);

/* Spans and page counts from the ranges (what numa_build() fills in); default distances. */
void fx_topology(struct fixture *f);

/* fx_topology(), page arrays full of GARBAGE, the section table, memmap_setup(). */
void fx_setup(struct fixture *f);

/* fx_setup(), then buddy_init(): empty free lists over the mem_map. */
static inline void fx_setup_buddy(struct fixture *f)
{
	fx_setup(f);
	buddy_init(&f->b, &f->mm);
}

/* Every page array back to GARBAGE. */
void fx_garbage(struct fixture *f);

/* memmap_init_range() over every node's whole span. */
void fx_init_all(struct fixture *f);

/* memmap_free_range() over every node's whole span. */
static inline void fx_free_all(struct fixture *f)
{
	for (unsigned n = 0; n < f->mm.node_count; n++)
		memmap_free_range(&f->b, (int)n, f->mm.nodes[n].start_pfn, f->mm.nodes[n].end_pfn);
}

void fx_free(struct fixture *f);

/* ---- the reference: what each pfn is, from the layout alone ---------------- */

enum page_run_kind ref_kind(const struct fixture *f, unsigned node, uint64_t pfn);

/* ref_kind() of every pfn of @node's span, indexed from its start_pfn; free() it. */
uint8_t *ref_kinds(const struct fixture *f, unsigned node);

/* ---- snapshots: a copy of every node's page array ------------------------- */

struct snapshot {
	struct page *maps[MAX_NODES];
};

void snap_take(const struct fixture *f, struct snapshot *s);

/* The page arrays hold the same bytes as when @s was taken. */
bool snap_same(const struct fixture *f, const struct snapshot *s);

void snap_free(struct snapshot *s);

/* ---- chunks: pieces of spans, initialized in any order ---------------------- */

struct chunk {
	unsigned node;
	uint64_t start, end;
};

/* Fisher-Yates with rnd(). */
static inline void shuffle_chunks(struct chunk *c, unsigned n)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)rnd(i);
		struct chunk t = c[i - 1];

		c[i - 1] = c[j];
		c[j] = t;
	}
}

/* memmap_init_range() over each of @c, in order. */
void fx_init_chunks(struct fixture *f, const struct chunk *c, unsigned n);

#endif
