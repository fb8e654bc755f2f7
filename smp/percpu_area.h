/* SPDX-License-Identifier: MIT */
/*
 * percpu_area - the per-CPU units of seed 004, and the dynamic per-CPU
 * allocator on them.
 *
 * CPU i's unit is PERCPU_UNIT_SIZE bytes at PERCPU_VMA + i * PERCPU_UNIT_SIZE
 * (layout.h), and its GS base. The first 2 MiB are one 2 MiB page from
 * memblock on the CPU's node, mapped with one 2 MiB page: struct percpu at
 * its start (so %gs:0 is still the area itself), the CPU's stacks after it,
 * and the rest of the page given back late ("percpu_tails"). A node with no
 * whole 2 MiB page free gives just the static data, mapped with 4 KiB pages
 * (no tail). At the next
 * 2 MiB boundary the dynamic region begins: alloc_percpu() hands out one
 * offset from a unit's start, valid in every unit, and backs the pages it
 * touches with 4 KiB pages on each CPU's own node, mapped into every unit.
 * So a dynamic per-CPU value is read like a static one, %gs plus an offset,
 * with no array of pointers.
 *
 * The map of the dynamic region is smp/percpu_alloc.h's (host-tested); this
 * file locks it and backs its pages.
 */
#ifndef MEMINIT_SMP_PERCPU_AREA_H
#define MEMINIT_SMP_PERCPU_AREA_H

#include <stdint.h>

#include "smp/percpu.h"

/*
 * percpu_unit_create - CPU @cpu's unit on @node: its 2 MiB page from
 * memblock (or its static bytes alone, above), mapped, with the page table
 * of its dynamic region made; the first @static_bytes (page-rounded) are
 * kept, the rest given back late.
 * Returns the unit's start (where struct percpu goes), and the page's
 * physical address in *@phys; NULL if memblock has no 2 MiB page left.
 * Before memblock freezes (smp_boot_prepare).
 */
struct percpu *percpu_unit_create(unsigned cpu, int node, uint64_t static_bytes, uint64_t *phys);

/* How CPU @cpu's static part is mapped: PERCPU_STATIC_SIZE (one 2 MiB page) or 4 KiB pages; 0 if no unit. */
uint64_t percpu_static_page_size(unsigned cpu);

/*
 * percpu_dynamic_init - open the dynamic region for CPUs 0..@cpu_count-1,
 * once each has its unit as its GS base (else it stays closed: an @error,
 * and alloc_percpu() returns 0). Boot CPU, after the units are made.
 */
void percpu_dynamic_init(unsigned cpu_count);

/*
 * The node of the RAM that CPU @cpu's copy of the byte at @off sits on,
 * read back from the page tables: -1 if it is not mapped (or in no node).
 * After the topology is built.
 */
int percpu_page_node(uint64_t off, unsigned cpu);

/* What the @percpu record reports of the units and the map. */
struct percpu_area_stats {
	unsigned cpu_count;     /* units the dynamic region covers (0: closed) */
	uint64_t tails_bytes;   /* static pages' tails given back late */
	uint64_t allocations;   /* live */
	uint64_t bytes_in_use;
	uint64_t pages_populated; /* per unit */
	uint64_t failed_allocs;
	uint64_t refused_frees;
};
void percpu_area_stats(struct percpu_area_stats *out);

#endif
