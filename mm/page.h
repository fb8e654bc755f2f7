/* SPDX-License-Identifier: MIT */
/*
 * page - struct page: what the kernel knows about one 4 KiB page frame.
 *
 * 64 bytes, so a cache line holds one and the mem_map is 1/64 of RAM.
 * flags packs the node and zone with the page flags, as Linux does, so
 * that a page names its own node without a lookup.
 *
 *   flags: bits 63..56 node, 55..54 zone, 15..0 PG_* flags
 */
#ifndef MEMINIT_MM_PAGE_H
#define MEMINIT_MM_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/list.h"

struct page {
	uint64_t flags;
	int32_t refcount;      /* users of the page; 0 when free */
	int32_t mapcount;      /* page-table mappings; -1 when not mapped (Linux's convention) */
	struct list_head lru;  /* free-list link while in the buddy allocator; else self-linked */
	uint64_t private;      /* buddy order while PG_buddy */
	uint64_t mapping;      /* owner (unused here; the field real allocators need) */
	uint64_t index;        /* offset within the owner (unused here) */
	uint64_t init_gen;     /* the run that initialized it: verification proves each run wrote every page */
};

_Static_assert(sizeof(struct page) == 64, "struct page must be one cache line");

#define PG_reserved (1ull << 0) /* not for the page allocator: firmware, kernel, early allocations, holes */
#define PG_buddy (1ull << 1)    /* first page of a free block in the buddy allocator */
#define PG_hole (1ull << 2)     /* inside a node's span but not RAM (always with PG_reserved) */
#define PG_FLAGS_MASK 0xffffull

#define PAGE_NODE_SHIFT 56
#define PAGE_ZONE_SHIFT 54

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, MAX_NR_ZONES };

#define ZONE_DMA_END_PFN (16ull << 20 >> 12)  /* 16 MiB */
#define ZONE_DMA32_END_PFN (4ull << 30 >> 12) /* 4 GiB */

static inline uint64_t page_flags_make(int node, enum zone_type zone, uint64_t pg)
{
	return (uint64_t)node << PAGE_NODE_SHIFT | (uint64_t)zone << PAGE_ZONE_SHIFT | pg;
}

static inline int page_node(const struct page *p) { return (int)(p->flags >> PAGE_NODE_SHIFT); }
static inline enum zone_type page_zone(const struct page *p)
{
	return (enum zone_type)(p->flags >> PAGE_ZONE_SHIFT & 3);
}
static inline bool page_test(const struct page *p, uint64_t pg) { return p->flags & pg; }

static inline enum zone_type zone_of_pfn(uint64_t pfn)
{
	return pfn < ZONE_DMA_END_PFN ? ZONE_DMA : pfn < ZONE_DMA32_END_PFN ? ZONE_DMA32 : ZONE_NORMAL;
}

/* The first pfn after @pfn's zone. */
static inline uint64_t zone_end_pfn(uint64_t pfn)
{
	return pfn < ZONE_DMA_END_PFN ? ZONE_DMA_END_PFN :
	       pfn < ZONE_DMA32_END_PFN ? ZONE_DMA32_END_PFN : UINT64_MAX;
}

static inline const char *zone_name(enum zone_type z)
{
	return z == ZONE_DMA ? "DMA" : z == ZONE_DMA32 ? "DMA32" : "Normal";
}

#endif
