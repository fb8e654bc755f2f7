/* SPDX-License-Identifier: MIT */
/*
 * percpu_alloc - the allocation map of the dynamic per-CPU allocator
 * (seed 004): which bytes of the dynamic region are in use, and which of
 * its pages are backed.
 *
 * Every CPU's area has the same layout: the first PERCPU_STATIC_SIZE bytes
 * are the static part (one 2 MiB page, not managed here), and the dynamic
 * region starts at that 2 MiB boundary, backed by 4 KiB pages as it is
 * used. An allocation is one offset from the start of an area, valid in
 * every CPU's area (through %gs: no array of pointers), so one map serves
 * all CPUs, and populating a page means backing it in every area at once.
 *
 * The map is a first-fit bitmap of 16-byte units, with a second bitmap
 * marking the first unit of each allocation. Against a free list: its
 * memory is fixed by the region's bound (no table that can fill up or
 * must grow), neighbours coalesce by construction when their bits clear,
 * a free needs no size, and a double free or a free of a pointer into
 * the middle of an allocation is recognised exactly. Its cost, a scan of
 * the bits, is paid by allocations that are rare and made at setup.
 *
 * Pages, once populated, stay populated: a freed unit is likely reused,
 * and giving a page back would need a TLB shootdown on every CPU.
 *
 * Not locked: the caller serializes percpu_alloc()/percpu_free() (they
 * are rare, and populate may take a while). Pure C (host-tested).
 */
#ifndef MEMINIT_SMP_PERCPU_ALLOC_H
#define MEMINIT_SMP_PERCPU_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define PERCPU_STATIC_SIZE (2ull << 20)  /* the static part: one 2 MiB page per CPU */
#define PERCPU_DYNAMIC_MAX (2ull << 20)  /* the largest dynamic region, past it */
#define PERCPU_UNIT 16ull                 /* allocation granule and least alignment */
#define PERCPU_PAGE_SIZE 4096ull          /* what populate backs */
#define PERCPU_MAX_UNITS (PERCPU_DYNAMIC_MAX / PERCPU_UNIT)
#define PERCPU_MAX_PAGES (PERCPU_DYNAMIC_MAX / PERCPU_PAGE_SIZE)
#define PERCPU_ALIGN_MAX PERCPU_STATIC_SIZE /* areas are 2 MiB aligned: offsets keep this much */

/*
 * Back pages [@first_page, @first_page + @pages) of every CPU's area (page
 * numbers count from the area's start, so the first dynamic page is
 * PERCPU_STATIC_SIZE / PERCPU_PAGE_SIZE), each on its CPU's node. False if
 * that failed: the allocation that needed them fails.
 */
typedef bool percpu_populate_fn(void *cookie, uint64_t first_page, uint64_t pages);

struct percpu_map {
	uint64_t units;      /* the region's size in units */
	uint64_t first_free; /* no free unit below this one */
	percpu_populate_fn *populate;
	void *cookie;
	uint64_t used[PERCPU_MAX_UNITS / 64];      /* bit per unit: allocated */
	uint64_t starts[PERCPU_MAX_UNITS / 64];    /* bit per unit: first of an allocation */
	uint64_t populated[PERCPU_MAX_PAGES / 64]; /* bit per page of the region */
	/* For a record. */
	uint64_t allocations;    /* live */
	uint64_t bytes_in_use;   /* live, in whole units */
	uint64_t pages_populated;
	uint64_t failed_allocs;  /* no room, bad size or align, or populate failed */
	uint64_t refused_frees;  /* out of range, unaligned, not a live allocation */
};

/*
 * percpu_map_init - an empty map of a dynamic region of @size bytes (a
 * multiple of PERCPU_PAGE_SIZE, at most PERCPU_DYNAMIC_MAX), nothing
 * populated. False (map unusable) for any other size.
 */
bool percpu_map_init(struct percpu_map *map, uint64_t size, percpu_populate_fn *populate,
		     void *cookie);

/*
 * percpu_alloc - the lowest offset (from an area's start) of @size bytes
 * aligned to @align (a power of two up to PERCPU_ALIGN_MAX; below
 * PERCPU_UNIT counts as PERCPU_UNIT) that is free, with every page it
 * touches populated first; 0 if @size is 0, @align is not such a power,
 * nothing fits, or populate fails (pages it backed stay populated).
 */
uint64_t percpu_alloc(struct percpu_map *map, uint64_t size, uint64_t align);

/*
 * percpu_free - give back the allocation at @offset. False, nothing
 * changed, unless @offset is what a percpu_alloc() returned and it was not
 * freed since.
 */
bool percpu_free(struct percpu_map *map, uint64_t offset);

/* The size in bytes (whole units) of the live allocation at @offset; 0 if none starts there. */
uint64_t percpu_alloc_size(const struct percpu_map *map, uint64_t offset);

#endif
