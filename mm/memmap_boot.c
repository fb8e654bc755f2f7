// SPDX-License-Identifier: MIT
#include "mm/memmap_boot.h"

#include "arch/x86_64/paging.h"
#include "init/debug.h"
#include "init/record.h"
#include "mm/code_pages.h"
#include "mm/kmalloc.h"
#include "mm/memblock.h"

#define MEMMAP_ALIGN (2ull << 20) /* 2 MiB: one large page of the direct map per 32768 pages */

/*
 * Streaming stores by default: on the default 2-node machine under TCG the
 * cold init measured 55/66 ns per page (min/median of 8 boots) against
 * 111/128 with plain stores, the two alternating.
 */
struct memmap boot_memmap = { .streaming = true, .template_store = TEMPLATE_MOVNTDQ };
struct buddy boot_buddy;

/*
 * A piece of mem_map in whole 2 MiB pages (fewer TLB misses over the per-page
 * loop) when the rounding wastes at most an eighth of it; tiny nodes get
 * 4 KiB pages, and so does any node once the 2 MiB rounding no longer fits.
 */
static uint64_t alloc_node_memmap(uint64_t bytes, unsigned node, int *got)
{
	uint64_t big = (bytes + MEMMAP_ALIGN - 1) & ~(MEMMAP_ALIGN - 1);
	uint64_t phys = 0;

	if ((big - bytes) * 8 <= bytes)
		phys = memblock_alloc_on(&boot_memblock, big, MEMMAP_ALIGN, (int)node, 0, got);
	if (!phys)
		phys = memblock_alloc_on(&boot_memblock, (bytes + 4095) & ~4095ull, 4096, (int)node, 0, got);
	return phys;
}

/* Store [start_pfn, end_pfn)'s struct pages on @node; false if no node had room. */
static bool store_piece(uint64_t start_pfn, uint64_t end_pfn, unsigned node)
{
	uint64_t bytes = (end_pfn - start_pfn) * sizeof(struct page);
	int got = -1;
	uint64_t phys = alloc_node_memmap(bytes, node, &got);

	if (!phys)
		return false;
	if (got != (int)node && boot_memmap.nodes[node].map_node == (int)node)
		record_errorf("mem_map", "placed on the nearest node with room",
			      "no room for node %u's mem_map on node %u", node, node);
	if (got != (int)node)
		boot_memmap.nodes[node].map_node = got;
	memmap_add_storage(&boot_memmap, start_pfn, end_pfn, phys_to_virt(phys));
	return true;
}

/*
 * A stretch of present sections in one block if the node has one that
 * large, else in pieces cut at the smallest size that never cuts a buddy
 * block or a section (a fragmented node has no large free block).
 */
static bool store_extent(const struct memmap_extent *x, unsigned node)
{
	uint64_t shift = boot_memmap.section_shift > MEMMAP_PIECE_MIN_SHIFT ? boot_memmap.section_shift
									    : MEMMAP_PIECE_MIN_SHIFT;

	if (store_piece(x->start_pfn, x->end_pfn, node))
		return true;
	for (uint64_t s = x->start_pfn, e; s < x->end_pfn; s = e) {
		e = ((s >> shift) + 1) << shift;
		if (e > x->end_pfn)
			e = x->end_pfn;
		if (!store_piece(s, e, node)) {
			record_errorf("mem_map", "machine stopped", "no %llu bytes for node %u's mem_map at pfn %llx",
				      (unsigned long long)((e - s) * sizeof(struct page)), node,
				      (unsigned long long)s);
			return false;
		}
	}
	return true;
}

bool memmap_boot_setup(const struct numa_topology *topo)
{
	uint64_t table = memblock_alloc(&boot_memblock, memmap_section_table_bytes(topo), 4096, 0, 0);
	struct memmap_extent x;

	if (!table) {
		record_error("mem_map", "no memory for the section table", "machine stopped");
		return false;
	}
	memmap_setup(&boot_memmap, topo, &boot_memblock, phys_to_virt(table));
	boot_memblock.refuse_node = debug_alloc_fail_node() + 1;
	for (unsigned n = 0; n < topo->node_count; n++) {
		if (topo->nodes[n].end_pfn > topo->nodes[n].start_pfn)
			boot_memmap.nodes[n].map_node = (int)n; /* until a piece must go elsewhere */
		for (uint64_t pfn = 0; memmap_next_extent(&boot_memmap, (int)n, pfn, boot_memmap.max_pfn, &x);
		     pfn = x.end_pfn)
			if (!store_extent(&x, n))
				return false;
	}
	boot_memblock.refuse_node = 0;
	code_pages_scrub(&boot_memmap); /* before any run writes there: the emulator's cost, not a strategy's */
	kmalloc_prepare_slab(topo->cpu_count); /* the last of memblock's: part of the layout */
	boot_memblock.frozen = true; /* its reservations are now the layout */
	kmalloc_advance(KMALLOC_FROZEN); /* so kmalloc stops asking it, in the same place */
	buddy_init(&boot_buddy, &boot_memmap);
	return true;
}
