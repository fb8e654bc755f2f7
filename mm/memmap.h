/* SPDX-License-Identifier: MIT */
/*
 * memmap - the mem_map: one struct page array per node, covering the node's
 * span [start_pfn, end_pfn) (holes included), placed in the node's own
 * memory. pfn_to_page() is O(1): a table at section granularity (the
 * largest power of two that every node boundary is aligned to) names the
 * node, and the node's array is indexed by pfn - start_pfn.
 *
 * Initialization is layered as in Linux's mm_init.c, from the whole to one
 * page:
 *   memmap_init_range(mm, node, start, end)    one node's pfn range, any CPU
 *     -> runs of one kind (hole / reserved / free RAM) and one zone
 *       -> __memmap_fill()                     the kernel's only per-page loop
 * Every strategy calls memmap_init_range(); only who calls it, on which
 * range and when, differs. So every strategy writes the same bytes.
 *
 * Pure C: the arrays and the layout are handed in (memmap_setup), so host
 * tests run the same code on a malloc'd page array and a fake layout.
 */
#ifndef MEMINIT_MM_MEMMAP_H
#define MEMINIT_MM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/memblock.h"
#include "mm/page.h"
#include "smp/numa.h"

#define SECTION_NO_NODE 0xff

struct node_memmap {
	struct page *map;        /* the page of start_pfn */
	uint64_t start_pfn, end_pfn;
	uint64_t map_phys;       /* where the array lives (kernel: on this node) */
	int map_node;            /* the node the array's memory belongs to */
};

struct memmap {
	unsigned node_count;
	struct node_memmap nodes[MAX_NODES];
	uint8_t *section_node;   /* (pfn >> section_shift) -> node, SECTION_NO_NODE if none */
	unsigned section_shift;
	uint64_t max_pfn;        /* one past the last pfn of any node */
	/* The layout the pages are written from: RAM per node, and what is reserved. */
	const struct numa_topology *topo;
	const struct memblock *mb;
	bool streaming;          /* non-temporal stores in __memmap_fill */
	/*
	 * Stamped into every struct page written (init_gen): each run of a
	 * strategy sets a new one, so a page the run never wrote keeps an old
	 * stamp and fails verification, even though its other fields are right.
	 */
	uint64_t generation;
};

/* A run of pages of one kind inside a node's span. */
enum page_run_kind { RUN_HOLE, RUN_RESERVED, RUN_FREE };

/* Bytes of struct page a node's span needs (what the caller allocates, before alignment). */
uint64_t memmap_node_bytes(const struct numa_topology *topo, unsigned node);

/* The section granularity for @topo: the largest 2^k pages (<= 2^18) all boundaries align to. */
unsigned memmap_section_shift(const struct numa_topology *topo);
/* Bytes of the section table for @topo. */
uint64_t memmap_section_table_bytes(const struct numa_topology *topo);

/*
 * memmap_setup - describe the mem_map: @maps[n] is node n's array (room
 * for memmap_node_bytes), @section_table has memmap_section_table_bytes.
 * Writes the section table; writes no struct page.
 */
void memmap_setup(struct memmap *mm, const struct numa_topology *topo, const struct memblock *mb,
		  struct page *const *maps, uint8_t *section_table);

/* O(1). NULL for a pfn in no node's span. */
static inline struct page *pfn_to_page(const struct memmap *mm, uint64_t pfn)
{
	const struct node_memmap *n;
	uint8_t node;

	if (pfn >= mm->max_pfn)
		return (struct page *)0;
	node = mm->section_node[pfn >> mm->section_shift];
	if (node == SECTION_NO_NODE)
		return (struct page *)0;
	n = &mm->nodes[node];
	/* A section can reach past the end of its node's span. */
	if (pfn - n->start_pfn >= n->end_pfn - n->start_pfn)
		return (struct page *)0;
	return n->map + (pfn - n->start_pfn);
}

/* O(1): the page names its node. */
static inline uint64_t page_to_pfn(const struct memmap *mm, const struct page *p)
{
	const struct node_memmap *n = &mm->nodes[page_node(p)];

	return n->start_pfn + (uint64_t)(p - n->map);
}

/*
 * memmap_for_each_run - split [start_pfn, end_pfn) of @node's span into runs
 * of one kind and one zone, in pfn order, and call @fn on each. Runs are
 * maximal: two neighbours differ in kind or zone.
 */
typedef void (*page_run_fn)(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
			    enum page_run_kind kind, enum zone_type zone);
void memmap_for_each_run(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn,
			 page_run_fn fn, void *cookie);

/* The canonical first state of a page of a run: what memmap_init_range writes. */
struct page memmap_initial_page(int node, enum zone_type zone, enum page_run_kind kind);

/*
 * memmap_init_range - write every struct page of [start_pfn, end_pfn) of
 * @node's span, whichever CPU calls it; ranges of different calls must not
 * overlap. Any context; takes no lock.
 */
void memmap_init_range(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn);

/*
 * __memmap_fill - the per-page loop: @n pages from @first, each @tmpl with
 * its lru self-linked. No division, no call per page; non-temporal stores
 * when @streaming (followed by a fence).
 */
void __memmap_fill(struct page *first, uint64_t n, const struct page *tmpl, bool streaming);

/*
 * memmap_fill_raw - stream the bytes of [start_pfn, end_pfn)'s struct pages
 * with one constant page, ignoring the layout: the physical limit any
 * initialization of the same bytes is measured against (strategy=all).
 * Leaves the range uninitialized (stamped with no run's generation).
 */
void memmap_fill_raw(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn);

/* Pages of RAM (not holes) in @node / in all nodes. */
uint64_t memmap_node_ram_pages(const struct memmap *mm, int node);

#endif
