/* SPDX-License-Identifier: MIT */
/*
 * memmap - the mem_map: struct pages only for the 128 MiB stretches that
 * hold RAM (SPARSEMEM), each section's struct pages in its own node's
 * memory. A section is 128 MiB like Linux's, or smaller when a node
 * boundary is less aligned (memmap_section_shift); presence is still
 * decided per 128 MiB, so small holes stay struct pages (reserved,
 * PG_hole). An absent section has none, and nothing walks it: runs,
 * initialization, verification and the digest go over present sections
 * only. pfn_to_page() is O(1): a table per section
 * names the node and where the section's struct pages are (Linux's
 * SPARSEMEM_VMEMMAP without the virtual map). A run of present sections is
 * stored in one block when the node has room for it, else in pieces of at
 * least MEMMAP_PIECE_MIN_SHIFT, so no buddy block is ever cut by storage.
 *
 * Initialization is layered as in Linux's mm_init.c, from the whole to one
 * page:
 *   memmap_init_range(mm, node, start, end)    one node's pfn range, any CPU
 *     -> runs of one kind (hole / reserved / free RAM) and one zone
 *       -> memmap_fill_pages()                 memmap.method picks the loop:
 *         -> __memmap_fill()                   fields: each field stored on its own
 *         -> __memmap_fill_template()          template: the run's page copied, lru patched
 * Every strategy calls memmap_init_range(); only who calls it, on which
 * range and when, differs. So every strategy writes the same bytes.
 *
 * Pure C: the layout (memmap_setup) and the storage (memmap_add_storage)
 * are handed in, so host tests run the same code on malloc'd page arrays
 * and a fake layout.
 */
#ifndef MEMINIT_MM_MEMMAP_H
#define MEMINIT_MM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/memblock.h"
#include "mm/memmap_template.h"
#include "mm/page.h"
#include "smp/numa.h"

#define SECTION_NO_NODE 0xff /* the section holds no RAM: it has no struct pages */

/* Storage pieces are cut only at multiples of 2^this pages: the buddy allocator's largest block. */
#define MEMMAP_PIECE_MIN_SHIFT 10

struct node_memmap {
	uint64_t start_pfn, end_pfn; /* the node's span (holes and absent sections included) */
	int map_node;                /* where its struct pages live (kernel: this node, or nearest with room) */
};

/* A block of struct pages: [start_pfn, end_pfn)'s, from @map on (for page_to_pfn). */
struct memmap_block {
	uintptr_t map_start, map_end;
	uint64_t start_pfn;
};

/* A stretch of pfns [start_pfn, end_pfn) of one node. */
struct memmap_extent {
	uint64_t start_pfn, end_pfn;
};

struct memmap {
	unsigned node_count;
	struct node_memmap nodes[MAX_NODES];
	uint8_t *section_node;   /* (pfn >> section_shift) -> node, SECTION_NO_NODE if absent */
	uintptr_t *section_base; /* present section: pfn_to_page(pfn) is section_base + pfn pages */
	struct memmap_block *blocks; /* by address; one per memmap_add_storage() */
	unsigned block_count;
	unsigned section_shift;
	uint64_t max_pfn;        /* one past the last pfn of any node */
	uint64_t present_pages;  /* pages of present sections inside their node's span: the struct pages */
	/* The layout the pages are written from: RAM per node, and what is reserved. */
	const struct numa_topology *topo;
	const struct memblock *mb;
	bool streaming;          /* non-temporal stores in __memmap_fill (method fields) */
	enum memmap_method method;          /* fields: __memmap_fill; template: __memmap_fill_template */
	enum template_store template_store; /* the stores of method template */
	/*
	 * Stamped into every struct page written (init_gen): each run of a
	 * strategy sets a new one, so a page the run never wrote keeps an old
	 * stamp and fails verification, even though its other fields are right.
	 */
	uint64_t generation;
};

/* A run of pages of one kind inside a node's span. */
enum page_run_kind { RUN_HOLE, RUN_RESERVED, RUN_FREE };

/* Bytes of struct page a node's whole span would need (the host tests' arrays). */
uint64_t memmap_node_bytes(const struct numa_topology *topo, unsigned node);

/* The section granularity for @topo: 128 MiB, or the largest 2^k pages all node boundaries align to. */
unsigned memmap_section_shift(const struct numa_topology *topo);
/* Bytes of the section table for @topo. */
uint64_t memmap_section_table_bytes(const struct numa_topology *topo);

/*
 * memmap_setup - describe the mem_map: which sections are present, of which
 * node, in @section_table (memmap_section_table_bytes). Writes no struct
 * page. The caller then stores every extent (memmap_next_extent) with
 * memmap_add_storage(), whole or in pieces cut at multiples of
 * 2^MEMMAP_PIECE_MIN_SHIFT pages.
 */
void memmap_setup(struct memmap *mm, const struct numa_topology *topo, const struct memblock *mb,
		  uint8_t *section_table);

/*
 * memmap_next_extent - the first stretch of @node's consecutive present
 * sections that meets [from, to), clipped to it and to the node's span.
 * False if there is none.
 */
bool memmap_next_extent(const struct memmap *mm, int node, uint64_t from, uint64_t to,
			struct memmap_extent *out);

/* The struct pages of [start_pfn, end_pfn) (present, one node) are @map[0, end - start). */
void memmap_add_storage(struct memmap *mm, uint64_t start_pfn, uint64_t end_pfn, struct page *map);

/*
 * memmap_next_piece - like memmap_next_extent, but also ending where the
 * storage does: the struct pages of the piece are one array from
 * pfn_to_page(out->start_pfn) on.
 */
bool memmap_next_piece(const struct memmap *mm, int node, uint64_t from, uint64_t to,
		       struct memmap_extent *out);

/* Struct pages of @node in [from, to) (present sections only); of the whole mem_map. */
uint64_t memmap_present_pages_in(const struct memmap *mm, int node, uint64_t from, uint64_t to);
static inline uint64_t memmap_present_pages(const struct memmap *mm)
{
	return mm->present_pages;
}

/* Pages of the nodes' spans, absent sections included (each node's span counted once). */
static inline uint64_t memmap_span_pages(const struct memmap *mm)
{
	uint64_t pages = 0;

	for (unsigned n = 0; n < mm->node_count; n++)
		pages += mm->nodes[n].end_pfn - mm->nodes[n].start_pfn;
	return pages;
}

/* O(1). NULL for a pfn in no node's span or in a section without RAM. */
static inline struct page *pfn_to_page(const struct memmap *mm, uint64_t pfn)
{
	const struct node_memmap *n;
	uint64_t section;
	uint8_t node;

	if (pfn >= mm->max_pfn)
		return (struct page *)0;
	section = pfn >> mm->section_shift;
	node = mm->section_node[section];
	if (node == SECTION_NO_NODE)
		return (struct page *)0;
	n = &mm->nodes[node];
	/* A section can reach past the end of its node's span. */
	if (pfn - n->start_pfn >= n->end_pfn - n->start_pfn)
		return (struct page *)0;
	return (struct page *)(mm->section_base[section] + pfn * sizeof(struct page));
}

/*
 * memmap_page_pfn - the pfn of @p if it is a struct page of the mem_map
 * (inside a block, on a page boundary): a binary search of the blocks.
 */
bool memmap_page_pfn(const struct memmap *mm, const struct page *p, uint64_t *pfn);

/* The pfn of a struct page of the mem_map (memmap_page_pfn, without the check). */
static inline uint64_t page_to_pfn(const struct memmap *mm, const struct page *p)
{
	uint64_t pfn = 0;

	memmap_page_pfn(mm, p, &pfn);
	return pfn;
}

/*
 * memmap_for_each_run - split the present sections of [start_pfn, end_pfn)
 * of @node's span into runs of one kind and one zone, in pfn order, and
 * call @fn on each. Runs are maximal: two neighbours differ in kind or
 * zone, or an absent section lies between them.
 */
typedef void (*page_run_fn)(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
			    enum page_run_kind kind, enum zone_type zone);
void memmap_for_each_run(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn,
			 page_run_fn fn, void *cookie);

/* The canonical first state of a page of a run: what memmap_init_range writes. */
struct page memmap_initial_page(int node, enum zone_type zone, enum page_run_kind kind);

/*
 * memmap_init_range - write every struct page of [start_pfn, end_pfn) of
 * @node's span (absent sections have none), whichever CPU calls it; ranges
 * of different calls must not overlap. Any context; takes no lock.
 */
void memmap_init_range(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn);

/*
 * __memmap_fill - the per-page loop: @n pages from @first, each @tmpl with
 * its lru self-linked. No division, no call per page; non-temporal stores
 * when @streaming (followed by a fence).
 */
void __memmap_fill(struct page *first, uint64_t n, const struct page *tmpl, bool streaming);

/*
 * memmap_fill_pages - @n struct pages from @first, each @tmpl with its lru
 * self-linked, by @mm's method (and its stores): the one place that picks
 * the per-page loop. Every method writes the same bytes.
 */
void memmap_fill_pages(const struct memmap *mm, struct page *first, uint64_t n,
		       const struct page *tmpl);

/* The names of memmap.method and memmap.template_store, indexed by value. */
extern const char *const memmap_method_names[MEMMAP_METHODS];
extern const char *const template_store_names[TEMPLATE_STORES];

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
