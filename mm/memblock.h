/* SPDX-License-Identifier: MIT */
/*
 * memblock - the one early allocator: ranges of memory and ranges reserved
 * in it, and allocations carved top-down out of the gaps, on a given node.
 *
 * It is told about RAM from the normalized firmware map, about what is
 * already in use (the kernel image, the boot information, the low 1 MiB),
 * and later about NUMA nodes, and it serves everything allocated before the
 * buddy allocator exists: page tables, per-CPU areas, the mem_map. Pure C:
 * the state is a struct the caller owns, so host tests run it on fake maps.
 */
#ifndef MEMINIT_MM_MEMBLOCK_H
#define MEMINIT_MM_MEMBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Regions a table holds before it first grows. It then doubles, in memory
 * the struct's grow hook hands it (the kernel's takes it from memblock
 * itself, as Linux's memblock_double_array does), so the number of RAM
 * ranges is limited only by memory.
 */
#define MEMBLOCK_INITIAL_REGIONS 128
#define MEMBLOCK_MAX_NODES 64 /* equals MAX_NODES of smp/numa.h (checked there) */
#define NUMA_NO_NODE (-1)

struct memblock_region {
	uint64_t start, end; /* [start, end) */
	int node;
};

struct memblock_type {
	struct memblock_region *regions; /* initial[] until the table grows */
	size_t count, capacity;
	bool overflow; /* a region was lost: the table could not grow */
	struct memblock_region initial[MEMBLOCK_INITIAL_REGIONS];
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
	unsigned node_fallbacks; /* allocations served off their requested node */
	/* Row n: where node n's allocations go when it is full, nearest first. */
	int fallback_order[MEMBLOCK_MAX_NODES][MEMBLOCK_MAX_NODES];
	unsigned node_count; /* rows set by memblock_set_fallback(); 0: no order */
	/*
	 * Set once the mem_map is laid out from the reservations: a later
	 * allocation would hand the buddy allocator a page that is in use.
	 */
	bool frozen;
	unsigned refused_after_freeze;
	/* Fault injection (debug.alloc_fail_node): 1 + a node whose RAM no allocation gets; 0: none. */
	int refuse_node;
	/*
	 * Storage for a table that is nearly full: @bytes, any alignment of 8,
	 * or NULL. It may allocate from @mb itself: a table grows while it
	 * still has room for the reservation that allocation adds. NULL hook:
	 * tables never grow past MEMBLOCK_INITIAL_REGIONS.
	 */
	void *(*grow)(struct memblock *mb, size_t bytes);
	/*
	 * Lowest address first instead of highest: before the nodes are known
	 * (the SRAT), as Linux does, so that early tables sit beside the kernel
	 * and not on whichever node holds the top of memory (a tiny one, a
	 * hot-pluggable one) before its own mem_map is placed.
	 */
	bool bottom_up;
	bool growing; /* inside grow: the tables' spare slots serve */
	unsigned grown; /* times a table grew */
};

/* Add RAM [start, end) on @node; overlapping or adjacent same-node ranges merge. */
void memblock_add(struct memblock *mb, uint64_t start, uint64_t end, int node);
/* Mark [start, end) in use. Reservations may overlap; they merge. */
void memblock_reserve(struct memblock *mb, uint64_t start, uint64_t end);
/*
 * No longer in use: [start, end) leaves the reservations (splitting one as
 * needed). For memory given back late, once the mem_map exists: the page
 * layout that verification checks follows the reservations.
 */
void memblock_free(struct memblock *mb, uint64_t start, uint64_t end);
/* Give [start, end) of memory to @node (splitting regions as needed). */
void memblock_set_node(struct memblock *mb, uint64_t start, uint64_t end, int node);

/*
 * memblock_set_fallback - the order in which full nodes borrow memory.
 * @order is @node_count x @node_count, row-major; row n lists node ids
 * nearest to n first (numa_nodes_by_distance() writes one row). Entries
 * outside 0..node_count-1 are ignored; node_count 0 or a NULL @order
 * clears the order. At most MEMBLOCK_MAX_NODES rows and columns are kept.
 */
void memblock_set_fallback(struct memblock *mb, unsigned node_count, const int *order);

/*
 * memblock_alloc - reserve and return @size bytes aligned to @align (a
 * power of two) ending at or below @limit (0: no limit), from @node's
 * memory, highest address first. If @node has no room, the nodes of its
 * fallback row are tried in order, then any memory at all (nodes outside
 * the order, memory not yet given a node); node_fallbacks counts every
 * allocation served off @node. NUMA_NO_NODE takes any memory.
 * Returns the physical address, or 0 when nothing fits.
 */
uint64_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align, int node,
			uint64_t limit);
/* memblock_alloc, also telling in *@got_node (may be NULL) whose memory served: NUMA_NO_NODE if none. */
uint64_t memblock_alloc_on(struct memblock *mb, uint64_t size, uint64_t align, int node,
			   uint64_t limit, int *got_node);

/* Bytes of memory (optionally of one node, NUMA_NO_NODE for all) not reserved. */
uint64_t memblock_free_bytes(const struct memblock *mb, int node);
bool memblock_is_reserved(const struct memblock *mb, uint64_t addr);

extern struct memblock boot_memblock;

#endif
