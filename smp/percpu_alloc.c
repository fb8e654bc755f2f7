// SPDX-License-Identifier: MIT
/*
 * The dynamic per-CPU allocation map (percpu_alloc.h): first fit over a
 * bitmap of 16-byte units, scanned a 64-bit word at a time. Offsets
 * handed out count from an area's start; inside, a unit u is the bytes
 * PERCPU_STATIC_SIZE + u * PERCPU_UNIT onwards.
 */
#include "smp/percpu_alloc.h"

#define FIRST_DYNAMIC_PAGE (PERCPU_STATIC_SIZE / PERCPU_PAGE_SIZE)
#define UNITS_PER_PAGE (PERCPU_PAGE_SIZE / PERCPU_UNIT)
#define NO_FIT UINT64_MAX

_Static_assert(PERCPU_MAX_UNITS % 64 == 0 && PERCPU_MAX_PAGES % 64 == 0,
	       "bitmaps are whole words");

/* ---- bitmaps ------------------------------------------------------------------------- */

static bool bit_is_set(const uint64_t *bits, uint64_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

/* Bits [@from, @to) of @bits set to @value. */
static void assign_bits(uint64_t *bits, uint64_t from, uint64_t to, bool value)
{
	while (from < to) {
		uint64_t shift = from % 64, n = to - from < 64 - shift ? to - from : 64 - shift;
		uint64_t mask = (n == 64 ? ~0ull : (1ull << n) - 1) << shift;

		if (value)
			bits[from / 64] |= mask;
		else
			bits[from / 64] &= ~mask;
		from += n;
	}
}

/* The first bit in [@from, @to) that is @value, or @to. */
static uint64_t next_bit(const uint64_t *bits, uint64_t from, uint64_t to, bool value)
{
	while (from < to) {
		uint64_t word = value ? bits[from / 64] : ~bits[from / 64];

		word &= ~0ull << (from % 64);
		if (word) {
			uint64_t i = (from & ~63ull) + (uint64_t)__builtin_ctzll(word);

			return i < to ? i : to;
		}
		from = (from & ~63ull) + 64;
	}
	return to;
}

static uint64_t align_up(uint64_t x, uint64_t step)
{
	return (x + step - 1) / step * step;
}

/* ---- the map ------------------------------------------------------------------------- */

bool percpu_map_init(struct percpu_map *map, uint64_t size, percpu_populate_fn *populate,
		     void *cookie)
{
	uint64_t i;

	map->units = 0;
	if (!populate || size == 0 || size > PERCPU_DYNAMIC_MAX || size % PERCPU_PAGE_SIZE)
		return false;
	map->units = size / PERCPU_UNIT;
	map->first_free = 0;
	map->populate = populate;
	map->cookie = cookie;
	/* Only the words the region uses: the rest is never read. */
	for (i = 0; i < map->units / 64; i++)
		map->used[i] = map->starts[i] = 0;
	for (i = 0; i < align_up(map->units / UNITS_PER_PAGE, 64) / 64; i++)
		map->populated[i] = 0;
	map->allocations = map->bytes_in_use = map->pages_populated = 0;
	map->failed_allocs = map->refused_frees = 0;
	return true;
}

/* The lowest unit, a multiple of @step, that starts @n free units; NO_FIT if none. */
static uint64_t find_fit(const struct percpu_map *map, uint64_t n, uint64_t step)
{
	uint64_t u = align_up(map->first_free, step);

	while (u + n <= map->units) {
		uint64_t busy = next_bit(map->used, u, u + n, true);

		if (busy == u + n)
			return u;
		u = align_up(next_bit(map->used, busy + 1, map->units, false), step);
	}
	return NO_FIT;
}

/* Every page under units [@from, @to) backed: populate called once per run of new pages. */
static bool populate_units(struct percpu_map *map, uint64_t from, uint64_t to)
{
	uint64_t page = from / UNITS_PER_PAGE, end = (to - 1) / UNITS_PER_PAGE + 1;

	while ((page = next_bit(map->populated, page, end, false)) < end) {
		uint64_t run_end = next_bit(map->populated, page, end, true);

		if (!map->populate(map->cookie, FIRST_DYNAMIC_PAGE + page, run_end - page))
			return false;
		assign_bits(map->populated, page, run_end, true);
		map->pages_populated += run_end - page;
		page = run_end;
	}
	return true;
}

uint64_t percpu_alloc(struct percpu_map *map, uint64_t size, uint64_t align)
{
	uint64_t n, u;

	if (size == 0 || size > map->units * PERCPU_UNIT || align == 0 || (align & (align - 1)) ||
	    align > PERCPU_ALIGN_MAX)
		goto fail;
	n = (size + PERCPU_UNIT - 1) / PERCPU_UNIT;
	u = find_fit(map, n, align < PERCPU_UNIT ? 1 : align / PERCPU_UNIT);
	if (u == NO_FIT || !populate_units(map, u, u + n))
		goto fail;

	assign_bits(map->used, u, u + n, true);
	assign_bits(map->starts, u, u + 1, true);
	if (u == map->first_free)
		map->first_free = next_bit(map->used, u + n, map->units, false);
	map->allocations++;
	map->bytes_in_use += n * PERCPU_UNIT;
	return PERCPU_STATIC_SIZE + u * PERCPU_UNIT;
fail:
	map->failed_allocs++;
	return 0;
}

/* The unit of the live allocation starting at @offset, or NO_FIT. */
static uint64_t start_unit(const struct percpu_map *map, uint64_t offset)
{
	uint64_t u;

	if (offset < PERCPU_STATIC_SIZE || (offset - PERCPU_STATIC_SIZE) % PERCPU_UNIT)
		return NO_FIT;
	u = (offset - PERCPU_STATIC_SIZE) / PERCPU_UNIT;
	return u < map->units && bit_is_set(map->starts, u) ? u : NO_FIT;
}

/* One past the last unit of the allocation at @u: the next start or free unit. */
static uint64_t end_unit(const struct percpu_map *map, uint64_t u)
{
	uint64_t next_start = next_bit(map->starts, u + 1, map->units, true);

	return next_bit(map->used, u + 1, next_start, false);
}

uint64_t percpu_alloc_size(const struct percpu_map *map, uint64_t offset)
{
	uint64_t u = start_unit(map, offset);

	return u == NO_FIT ? 0 : (end_unit(map, u) - u) * PERCPU_UNIT;
}

bool percpu_free(struct percpu_map *map, uint64_t offset)
{
	uint64_t u = start_unit(map, offset), end;

	if (u == NO_FIT) {
		map->refused_frees++;
		return false;
	}
	end = end_unit(map, u);
	assign_bits(map->used, u, end, false);
	assign_bits(map->starts, u, u + 1, false);
	if (u < map->first_free)
		map->first_free = u;
	map->allocations--;
	map->bytes_in_use -= (end - u) * PERCPU_UNIT;
	return true;
}
