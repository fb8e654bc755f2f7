/* SPDX-License-Identifier: MIT */
/*
 * verify - is the mem_map what the layout says it must be, and does every
 * page of RAM appear exactly once? And a digest of it that depends only on
 * the layout, not on which CPU wrote which page in which order.
 *
 * Accounting: total_pages (RAM pages of all nodes, holes excluded) must
 * equal free_pages + reserved_pages + allocated_pages, and the free pages
 * the walk finds must equal what the buddy allocator's lists hold.
 */
#ifndef MEMINIT_MM_VERIFY_H
#define MEMINIT_MM_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/buddy.h"
#include "mm/memmap.h"

enum verify_mode { VERIFY_OFF, VERIFY_SAMPLE, VERIFY_FULL };

struct verify_result {
	bool ok;
	uint64_t total_pages, free_pages, reserved_pages, allocated_pages, hole_pages;
	uint64_t pages_checked;
	/* The first mismatch, when !ok; bad_pfn is UINT64_MAX when no page is to blame (a counter). */
	uint64_t bad_pfn;
	const char *bad_field; /* "flags", "refcount", "mapcount", "lru", "private", "mapping",
				  "index", "init_gen", "free lists", "accounting" */
	uint64_t bad_value, expected_value;
	char detail[160];
};

/*
 * memmap_verify - walk the mem_map (every page for VERIFY_FULL; for
 * VERIFY_SAMPLE every block head and a spread of pages; nothing for OFF,
 * where only the buddy's counters are summed) against the layout and the
 * buddy allocator's lists. Fills @out; returns out->ok.
 */
bool memmap_verify(const struct memmap *mm, const struct buddy *b, enum verify_mode mode,
		   struct verify_result *out);

/*
 * memmap_digest - 64-bit hash of every struct page's canonical content in
 * node order, pfn order within a node: all fields but the lru links, for
 * which only "self-linked or not" counts (list order depends on which CPU
 * freed first).
 */
uint64_t memmap_digest(const struct memmap *mm);

#endif
