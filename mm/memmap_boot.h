/* SPDX-License-Identifier: MIT */
/* memmap_boot - the machine's mem_map and buddy allocator, placed by the early allocator. */
#ifndef MEMINIT_MM_MEMMAP_BOOT_H
#define MEMINIT_MM_MEMMAP_BOOT_H

#include "mm/buddy.h"
#include "mm/memmap.h"

extern struct memmap boot_memmap;
extern struct buddy boot_buddy;

/*
 * Allocate the section table and the struct pages of each node's present
 * sections on that node (2 MiB aligned when it wastes little), describe
 * them, and set up empty buddy lists. The last use of the early allocator:
 * what it has reserved by now is the layout. Writes no struct page. False
 * if some struct pages could not be placed.
 */
bool memmap_boot_setup(const struct numa_topology *topo);

#endif
