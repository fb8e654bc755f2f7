/* SPDX-License-Identifier: MIT */
/*
 * buddy - the page allocator: per node and zone, free lists of blocks of
 * 2^order pages (order 0..MAX_ORDER), each block aligned to its size.
 *
 * It is built straight from the mem_map: free_range_to_buddy() hands it a
 * range of initialized free pages as whole aligned blocks, largest first,
 * never page by page. alloc_pages() splits, free_pages() merges with free
 * buddies. Blocks never span two zones or two nodes. Pure C (host-tested).
 */
#ifndef MEMINIT_MM_BUDDY_H
#define MEMINIT_MM_BUDDY_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"
#include "mm/memmap.h"

#define MAX_ORDER 10
#define MAX_ORDER_NR_PAGES (1ull << MAX_ORDER)

#define PG_head (1ull << 3) /* first page of an allocated block; private = its order */
/*
 * strategy=ondemand: the first page of a free MAX_ORDER block whose other
 * struct pages are not written yet (the RFC's mark, on the block's head:
 * the allocator reads that struct page anyway, so testing it costs no
 * extra cache line). Cleared when the block is written, under the zone lock.
 */
#define PG_uninit (1ull << 4)

struct free_area {
	struct list_head free_list;
	uint64_t nr_free;        /* blocks */
};

struct zone {
	struct spinlock lock;
	struct free_area free_area[MAX_ORDER + 1];
	uint64_t free_pages;
	uint64_t allocated_pages;
};

struct buddy_node {
	struct zone zones[MAX_NR_ZONES];
};

struct buddy {
	const struct memmap *mm;
	unsigned node_count;
	struct buddy_node nodes[MAX_NODES];
	int fallback[MAX_NODES][MAX_NODES]; /* row n: nodes by distance from n, n first */
	uint64_t node_fallbacks;            /* allocations served off their node */
	/*
	 * Deferred init (strategies/async.c): called only when an allocation
	 * finds a node empty, to initialize more of @node (or, for -1, of any
	 * node) and say whether memory arrived. NULL when nothing is deferred.
	 */
	bool (*grow)(void *cookie, int node);
	void *grow_cookie;
	/*
	 * On-demand init (strategies/ondemand.c): some free blocks may still be
	 * marked PG_uninit, so alloc_pages() and free_pages() take the variant
	 * that tests the mark. False for every other strategy.
	 */
	bool ondemand;
	/*
	 * The marking run's view of the mem_map (the whole of it, or a late
	 * node's): its generation stamps what the boot, first touches and the
	 * drain write. buddy_init() sets @mm.
	 */
	const struct memmap *uninit_mm;
	volatile uint64_t touched_pages; /* struct pages written by the allocator on first touch */
	volatile uint64_t touched_blocks;
};

/* Empty lists for every node and zone of @mm; fallback order from @mm->topo's distances. */
void buddy_init(struct buddy *b, const struct memmap *mm);

/*
 * free_range_to_buddy - add the initialized free pages [start_pfn, end_pfn)
 * of @node (all in one zone) as the largest aligned blocks that fit.
 * Takes the zone lock once per call; CPUs may call it on different ranges at once.
 */
void free_range_to_buddy(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn);

/* Hand every free-RAM run inside [start_pfn, end_pfn) of @node to the buddy allocator. */
void memmap_free_range(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn);

/*
 * 2^@order pages from @node (highest zone first), else the nearest node
 * with room; NULL if none. While memory is deferred, a node that is empty
 * is grown before the next is tried, so this fails only when no deferred
 * memory is left anywhere.
 */
struct page *alloc_pages(struct buddy *b, int node, unsigned order);
/* Return a block from alloc_pages(); merges with free buddies. */
void free_pages(struct buddy *b, struct page *page, unsigned order);

/*
 * The allocator's two builds, for selftest=alloc_speed: the same code with
 * and without the on-demand test (alloc_pages/free_pages pick one by
 * b->ondemand). Callers other than the measurement use alloc_pages().
 */
struct page *alloc_pages_tested(struct buddy *b, int node, unsigned order);
struct page *alloc_pages_untested(struct buddy *b, int node, unsigned order);
void free_pages_tested(struct buddy *b, struct page *page, unsigned order);
void free_pages_untested(struct buddy *b, struct page *page, unsigned order);

/* ---- on-demand init (strategies/ondemand.c): blocks of MAX_ORDER_NR_PAGES ---- */

/*
 * What a max-order block of a node is, from the layout alone (so the boot
 * and the drain agree without storing it): every page free RAM of one zone
 * (BLOCK_FREE: the only kind that is marked and deferred with its head on a
 * free list), no free page at all (BLOCK_NONFREE: reserved pages and holes,
 * which no allocation reaches), or some of each (BLOCK_MIXED).
 */
enum block_class { BLOCK_FREE, BLOCK_NONFREE, BLOCK_MIXED };

/*
 * Call @fn on maximal ranges of consecutive blocks of one class inside
 * [start_pfn, end_pfn) of @node (present sections only), in pfn order.
 * @start_pfn and @end_pfn must be multiples of MAX_ORDER_NR_PAGES or the
 * span's ends, so that every caller sees each block whole.
 */
typedef void (*block_range_fn)(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
			       enum block_class cls);
void buddy_for_each_block_class(const struct memmap *mm, int node, uint64_t start_pfn,
				uint64_t end_pfn, block_range_fn fn, void *cookie);

/*
 * The boot's part of the BLOCK_FREE blocks [start_pfn, end_pfn) of @node
 * (aligned): write each block's head (memmap_init_range) and put it on its
 * free list as a MAX_ORDER block marked PG_uninit. Returns the struct pages
 * written (one per block). b->ondemand and b->uninit_mm must be set first.
 */
uint64_t buddy_add_uninit_blocks(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn);

/*
 * The drain's part: write every block of the BLOCK_FREE range [start_pfn,
 * end_pfn) still marked, under its zone lock (the lock and the mark make
 * the claim: the allocator's first touch and the drain never both write a
 * block). Returns the struct pages written here.
 */
uint64_t buddy_drain_blocks(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn);

uint64_t buddy_free_pages(const struct buddy *b, int node);      /* node -1: all nodes */
uint64_t buddy_allocated_pages(const struct buddy *b, int node); /* node -1: all nodes */

#endif
