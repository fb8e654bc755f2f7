// SPDX-License-Identifier: MIT
#include "mm/memblock.h"

struct memblock boot_memblock;

static void make_ready(struct memblock_type *t)
{
	if (!t->regions) {
		t->regions = t->initial;
		t->capacity = MEMBLOCK_INITIAL_REGIONS;
	}
}

/*
 * Double @t while it still has two spare slots: growing allocates, and the
 * allocation's reservation must fit in the old table (the reserved table
 * itself may be the one growing). Inside grow the spare slots serve.
 */
static void grow_if_nearly_full(struct memblock *mb, struct memblock_type *t)
{
	struct memblock_region *bigger;

	make_ready(t);
	if (t->count + 2 < t->capacity || !mb->grow || mb->growing)
		return;
	mb->growing = true;
	bigger = mb->grow(mb, 2 * t->capacity * sizeof(*bigger));
	mb->growing = false;
	if (!bigger)
		return;
	for (size_t i = 0; i < t->count; i++)
		bigger[i] = t->regions[i];
	/* The old storage stays reserved: at most as much as the table holds now. */
	t->regions = bigger;
	t->capacity *= 2;
	mb->grown++;
}

static bool has_room(struct memblock_type *t)
{
	if (t->count < t->capacity)
		return true;
	t->overflow = true;
	return false;
}

static void insert_at(struct memblock_type *t, size_t i, uint64_t start, uint64_t end, int node)
{
	if (!has_room(t))
		return;
	for (size_t j = t->count; j > i; j--)
		t->regions[j] = t->regions[j - 1];
	t->regions[i] = (struct memblock_region){ start, end, node };
	t->count++;
}

static void remove_at(struct memblock_type *t, size_t i)
{
	for (size_t j = i; j + 1 < t->count; j++)
		t->regions[j] = t->regions[j + 1];
	t->count--;
}

/* Merge neighbours that touch or overlap and belong to the same node. */
static void merge_neighbours(struct memblock_type *t)
{
	size_t i = 0;

	while (i + 1 < t->count) {
		struct memblock_region *a = &t->regions[i], *b = &t->regions[i + 1];

		if (a->end >= b->start && a->node == b->node) {
			if (b->end > a->end)
				a->end = b->end;
			remove_at(t, i + 1);
		} else {
			i++;
		}
	}
}

/* Insert keeping the list sorted by start. */
static void add_range(struct memblock *mb, struct memblock_type *t, uint64_t start, uint64_t end,
		      int node)
{
	size_t i = 0;

	if (start >= end)
		return;
	grow_if_nearly_full(mb, t);
	while (i < t->count && t->regions[i].start < start)
		i++;
	insert_at(t, i, start, end, node);
	merge_neighbours(t);
}

void memblock_add(struct memblock *mb, uint64_t start, uint64_t end, int node)
{
	add_range(mb, &mb->memory, start, end, node);
}

void memblock_reserve(struct memblock *mb, uint64_t start, uint64_t end)
{
	/* Reservations carry no node: one kind of "in use" merges with any other. */
	add_range(mb, &mb->reserved, start, end, NUMA_NO_NODE);
}

/* Split the region containing @addr so that a region starts at @addr. */
static void split_at(struct memblock_type *t, uint64_t addr)
{
	for (size_t i = 0; i < t->count; i++) {
		struct memblock_region *r = &t->regions[i];

		if (r->start < addr && addr < r->end) {
			uint64_t end = r->end;

			/* Check for room before shortening, or the upper part would be lost. */
			if (!has_room(t))
				return;
			r->end = addr;
			insert_at(t, i + 1, addr, end, r->node);
			return;
		}
	}
}

void memblock_free(struct memblock *mb, uint64_t start, uint64_t end)
{
	struct memblock_type *t = &mb->reserved;
	size_t i = 0;

	if (start >= end)
		return;
	grow_if_nearly_full(mb, t);
	split_at(t, start);
	split_at(t, end);
	while (i < t->count) {
		if (t->regions[i].start >= start && t->regions[i].end <= end)
			remove_at(t, i);
		else
			i++;
	}
}

void memblock_set_node(struct memblock *mb, uint64_t start, uint64_t end, int node)
{
	struct memblock_type *t = &mb->memory;

	grow_if_nearly_full(mb, t);
	split_at(t, start);
	split_at(t, end);
	for (size_t i = 0; i < t->count; i++)
		if (t->regions[i].start >= start && t->regions[i].end <= end)
			t->regions[i].node = node;
	merge_neighbours(t);
}

static uint64_t align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

/*
 * The highest aligned block of @size inside [lo, hi) that avoids every
 * reservation; 0 if none. Walks the free gaps of [lo, hi) from the top.
 */
static uint64_t find_top_down(const struct memblock *mb, uint64_t lo, uint64_t hi, uint64_t size,
			      uint64_t align)
{
	const struct memblock_type *res = &mb->reserved;
	size_t i = res->count;

	for (;;) {
		/* The gap between reservation i-1 and i, clipped to [lo, hi). */
		uint64_t gap_lo = i > 0 ? res->regions[i - 1].end : 0;
		uint64_t gap_hi = i < res->count ? res->regions[i].start : UINT64_MAX;
		uint64_t from = gap_lo > lo ? gap_lo : lo;
		uint64_t to = gap_hi < hi ? gap_hi : hi;

		if (to > from && to - from >= size) {
			uint64_t cand = align_down(to - size, align);

			if (cand >= from && cand)
				return cand;
		}
		if (i == 0 || gap_lo <= lo)
			return 0;
		i--;
	}
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* The lowest aligned block of @size inside [lo, hi) that avoids every reservation; 0 if none. */
static uint64_t find_bottom_up(const struct memblock *mb, uint64_t lo, uint64_t hi, uint64_t size,
			       uint64_t align)
{
	const struct memblock_type *res = &mb->reserved;

	for (size_t i = 0; i <= res->count; i++) {
		/* The gap between reservation i-1 and i, clipped to [lo, hi). */
		uint64_t gap_lo = i > 0 ? res->regions[i - 1].end : 0;
		uint64_t gap_hi = i < res->count ? res->regions[i].start : UINT64_MAX;
		uint64_t from = align_up(gap_lo > lo ? gap_lo : lo, align);
		uint64_t to = gap_hi < hi ? gap_hi : hi;

		if (!from)
			from = align; /* 0 means "none" */
		if (gap_lo >= hi)
			return 0;
		if (to > from && to - from >= size)
			return from;
	}
	return 0;
}

/* Serve from @node's regions (NUMA_NO_NODE: any region); *@got is the region's node. */
static uint64_t alloc_from(struct memblock *mb, uint64_t size, uint64_t align, int node,
			   uint64_t limit, int *got)
{
	for (size_t k = 0; k < mb->memory.count; k++) {
		size_t i = mb->bottom_up ? k : mb->memory.count - 1 - k;
		const struct memblock_region *r = &mb->memory.regions[i];
		uint64_t hi = limit && limit < r->end ? limit : r->end;
		uint64_t addr;

		if (node != NUMA_NO_NODE && r->node != node)
			continue;
		if (mb->refuse_node && r->node == mb->refuse_node - 1)
			continue;
		if (hi <= r->start)
			continue;
		addr = mb->bottom_up ? find_bottom_up(mb, r->start, hi, size, align)
				     : find_top_down(mb, r->start, hi, size, align);
		if (addr) {
			*got = r->node;
			memblock_reserve(mb, addr, addr + size);
			return addr;
		}
	}
	return 0;
}

void memblock_set_fallback(struct memblock *mb, unsigned node_count, const int *order)
{
	unsigned n = node_count < MEMBLOCK_MAX_NODES ? node_count : MEMBLOCK_MAX_NODES;

	mb->node_count = order ? n : 0;
	for (unsigned i = 0; i < mb->node_count; i++)
		for (unsigned j = 0; j < n; j++)
			mb->fallback_order[i][j] = order[(size_t)i * node_count + j];
}

/* Walk @node's fallback row: the nearest node with room serves. */
static uint64_t alloc_by_order(struct memblock *mb, uint64_t size, uint64_t align, int node,
			       uint64_t limit, int *got)
{
	if (node < 0 || (unsigned)node >= mb->node_count)
		return 0;
	for (unsigned k = 0; k < mb->node_count; k++) {
		int next = mb->fallback_order[node][k];
		uint64_t addr;

		if (next == node || next < 0 || (unsigned)next >= mb->node_count)
			continue;
		addr = alloc_from(mb, size, align, next, limit, got);
		if (addr)
			return addr;
	}
	return 0;
}

uint64_t memblock_alloc_on(struct memblock *mb, uint64_t size, uint64_t align, int node,
			   uint64_t limit, int *got_node)
{
	int got = NUMA_NO_NODE;
	uint64_t addr;

	if (got_node)
		*got_node = NUMA_NO_NODE;
	if (mb->frozen) {
		mb->refused_after_freeze++;
		return 0;
	}
	if (!size || !align || (align & (align - 1)))
		return 0;
	addr = alloc_from(mb, size, align, node, limit, &got);
	if (!addr && node != NUMA_NO_NODE) {
		/* Nearest nodes first; then anything, so no allocation fails that could succeed. */
		addr = alloc_by_order(mb, size, align, node, limit, &got);
		if (!addr)
			addr = alloc_from(mb, size, align, NUMA_NO_NODE, limit, &got);
		if (addr)
			mb->node_fallbacks++;
	}
	if (addr && got_node)
		*got_node = got;
	return addr;
}

uint64_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align, int node,
			uint64_t limit)
{
	return memblock_alloc_on(mb, size, align, node, limit, NULL);
}

uint64_t memblock_free_bytes(const struct memblock *mb, int node)
{
	uint64_t total = 0;

	for (size_t i = 0; i < mb->memory.count; i++) {
		const struct memblock_region *m = &mb->memory.regions[i];
		uint64_t bytes = m->end - m->start;

		if (node != NUMA_NO_NODE && m->node != node)
			continue;
		for (size_t j = 0; j < mb->reserved.count; j++) {
			const struct memblock_region *r = &mb->reserved.regions[j];
			uint64_t lo = r->start > m->start ? r->start : m->start;
			uint64_t hi = r->end < m->end ? r->end : m->end;

			if (hi > lo)
				bytes -= hi - lo;
		}
		total += bytes;
	}
	return total;
}

bool memblock_is_reserved(const struct memblock *mb, uint64_t addr)
{
	for (size_t i = 0; i < mb->reserved.count; i++)
		if (addr >= mb->reserved.regions[i].start && addr < mb->reserved.regions[i].end)
			return true;
	return false;
}
