// SPDX-License-Identifier: MIT
/*
 * Normalizing the firmware memory map. See fwmap.h.
 *
 * The method is the one sanitize-e820 made familiar: turn every range into
 * two change points (it opens at start, closes at end), sort the points by
 * address, and sweep across them keeping count of which types are open. At
 * each address the strictest open type is the type of the memory that
 * follows, so overlaps resolve themselves and adjacent ranges of one type
 * merge for free, because a new range is emitted only where the type changes.
 *
 * Scratch space rule: the change points live in the caller's array. After
 * empty and out-of-range entries are dropped, n ranges remain and the sweep
 * needs 2 * n slots: the points occupy the last 2 * n slots of @capacity, the
 * output is written from slot 0 up, and the writer never catches up with the
 * points still to be read (see sweep_change_points()). The output never has
 * more than 2 * n - 1 ranges, so it always fits as well. When
 * capacity < 2 * n, ranges are dropped (and counted in repairs->dropped)
 * until it fits, the laxest types first: usable RAM goes before anything
 * that could have overridden it, so a dropped range can shrink usable memory
 * but never make a reserved byte look usable. A capacity below @count is
 * read as @count: the caller handed us @count valid slots.
 */
#include "mm/fwmap.h"

/* Strictness ranks; a higher rank wins an overlap. */
enum fw_rank {
	RANK_USABLE,
	RANK_ACPI_RECLAIM,
	RANK_RESERVED,
	RANK_ACPI_NVS,
	RANK_BAD,
	RANK_COUNT
};

static const uint32_t type_of_rank[RANK_COUNT] = {
	[RANK_USABLE] = FW_MEM_USABLE,
	[RANK_ACPI_RECLAIM] = FW_MEM_ACPI_RECLAIM,
	[RANK_RESERVED] = FW_MEM_RESERVED,
	[RANK_ACPI_NVS] = FW_MEM_ACPI_NVS,
	[RANK_BAD] = FW_MEM_BAD,
};

static bool type_is_known(uint32_t type)
{
	return type >= FW_MEM_USABLE && type <= FW_MEM_BAD;
}

/* Only called with known types (unknown ones become reserved first). */
static unsigned rank_of_type(uint32_t type)
{
	switch (type) {
	case FW_MEM_USABLE: return RANK_USABLE;
	case FW_MEM_ACPI_RECLAIM: return RANK_ACPI_RECLAIM;
	case FW_MEM_ACPI_NVS: return RANK_ACPI_NVS;
	case FW_MEM_BAD: return RANK_BAD;
	default: return RANK_RESERVED;
	}
}

/* Repair counters saturate rather than wrap: a huge count is still huge. */
static void add_repairs(unsigned *counter, size_t n)
{
	*counter = n > (size_t)(~0u - *counter) ? ~0u : *counter + (unsigned)n;
}

static void count_repair(unsigned *counter)
{
	add_repairs(counter, 1);
}

/*
 * Step 1: make every entry well formed on its own, compacting the array.
 * An end below its start can only come from a start + length that wrapped
 * past 2^64; it is read as reaching the top of the address space, which is
 * what the multiboot2 parser's saturation produces, and is then cut at the
 * limit like any other range that reaches past it.
 */
static size_t clean_entries(struct fw_mem_range *ranges, size_t count,
			    struct fwmap_repairs *repairs)
{
	size_t kept = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		struct fw_mem_range r = ranges[i];

		if (r.start == r.end) {
			count_repair(&repairs->zero_length);
			continue;
		}
		if (r.end < r.start)
			r.end = UINT64_MAX;
		if (r.start >= FWMAP_PHYS_LIMIT) {
			count_repair(&repairs->beyond_limit);
			continue;
		}
		if (r.end > FWMAP_PHYS_LIMIT) {
			r.end = FWMAP_PHYS_LIMIT;
			count_repair(&repairs->beyond_limit);
		}
		if (!type_is_known(r.type)) {
			r.type = FW_MEM_RESERVED;
			count_repair(&repairs->unknown_type);
		}
		ranges[kept++] = r;
	}
	return kept;
}

/* Remove up to @excess entries of @rank, the last ones first; returns how many went. */
static size_t drop_last_of_rank(struct fw_mem_range *ranges, size_t *count, unsigned rank,
				size_t excess)
{
	size_t of_rank = 0, keep_of_rank, seen = 0, kept = 0, i;

	for (i = 0; i < *count; i++)
		if (rank_of_type(ranges[i].type) == rank)
			of_rank++;
	if (of_rank == 0 || excess == 0)
		return 0;
	keep_of_rank = of_rank > excess ? of_rank - excess : 0;
	for (i = 0; i < *count; i++) {
		if (rank_of_type(ranges[i].type) == rank && seen++ >= keep_of_rank)
			continue;
		ranges[kept++] = ranges[i];
	}
	*count = kept;
	return of_rank - keep_of_rank;
}

/* Step 2: make room for the change points (two slots per range), laxest types first. */
static size_t fit_to_capacity(struct fw_mem_range *ranges, size_t count, size_t capacity,
			      struct fwmap_repairs *repairs)
{
	size_t fits = capacity / 2;
	unsigned rank;

	for (rank = 0; rank < RANK_COUNT && count > fits; rank++) {
		size_t gone = drop_last_of_rank(ranges, &count, rank, count - fits);

		add_repairs(&repairs->dropped, gone);
	}
	return count;
}

/*
 * A change point, kept in a spare fw_mem_range slot: .start holds the
 * address, .type the rank shifted left by one with the low bit set when the
 * range opens there. Closing points sort before opening ones at the same
 * address, since ranges are half-open: [a, b) and [b, c) do not overlap.
 */
#define POINT_OPENS 1u

static void point_store(struct fw_mem_range *slot, uint64_t address, unsigned rank, bool opens)
{
	slot->start = address;
	slot->end = address;
	slot->type = (uint32_t)(rank << 1) | (opens ? POINT_OPENS : 0u);
}

static bool point_opens(const struct fw_mem_range *p)
{
	return (p->type & POINT_OPENS) != 0;
}

static unsigned point_rank(const struct fw_mem_range *p)
{
	return p->type >> 1;
}

static bool point_before(const struct fw_mem_range *a, const struct fw_mem_range *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	return !point_opens(a) && point_opens(b);
}

/*
 * Step 3: write the change points into the last 2 * count slots. Walking
 * the ranges backwards, range i (read before anything is written) lands in
 * slots base + 2i and base + 2i + 1, both >= i, while the ranges not yet
 * read sit below i: nothing unread is overwritten.
 */
static struct fw_mem_range *make_change_points(struct fw_mem_range *ranges, size_t count,
					       size_t capacity)
{
	struct fw_mem_range *points = ranges + (capacity - 2 * count);
	size_t i = count;

	while (i-- > 0) {
		struct fw_mem_range r = ranges[i];
		unsigned rank = rank_of_type(r.type);

		point_store(&points[2 * i], r.start, rank, true);
		point_store(&points[2 * i + 1], r.end, rank, false);
	}
	return points;
}

static void swap_points(struct fw_mem_range *a, struct fw_mem_range *b)
{
	struct fw_mem_range t = *a;

	*a = *b;
	*b = t;
}

/* Heapsort: O(n log n), no recursion, no extra memory. */
static void sift_down(struct fw_mem_range *p, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && point_before(&p[child], &p[child + 1]))
			child++;
		if (!point_before(&p[root], &p[child]))
			return;
		swap_points(&p[root], &p[child]);
		root = child;
	}
}

static void sort_change_points(struct fw_mem_range *p, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(p, i, n);
	for (i = n; i-- > 1;) {
		swap_points(&p[0], &p[i]);
		sift_down(p, 0, i);
	}
}

/* The rank whose memory follows, from the count of open ranges per rank. */
static int strictest_open_rank(const size_t open[RANK_COUNT])
{
	int rank;

	for (rank = RANK_COUNT - 1; rank >= 0; rank--)
		if (open[rank])
			return rank;
	return -1;
}

/*
 * Step 4: sweep. Output range w is written only after the whole group of
 * points at its end address has been read; every group before it emitted at
 * most one range and the first emits none, so w is below the index of the
 * next unread point, whose slot is at least that index.
 */
static size_t sweep_change_points(struct fw_mem_range *ranges, const struct fw_mem_range *points,
				  size_t npoints, struct fwmap_repairs *repairs)
{
	size_t open[RANK_COUNT] = { 0 };
	size_t open_total = 0, written = 0, i = 0;
	int current = -1;
	uint64_t current_start = 0;

	while (i < npoints) {
		uint64_t address = points[i].start;
		int next;

		for (; i < npoints && points[i].start == address; i++) {
			unsigned rank = point_rank(&points[i]);

			if (point_opens(&points[i])) {
				/* It overlaps every range still open here: one pair each. */
				add_repairs(&repairs->overlaps, open_total);
				open[rank]++;
				open_total++;
			} else {
				open[rank]--;
				open_total--;
			}
		}
		next = strictest_open_rank(open);
		if (next == current)
			continue;
		if (current >= 0) {
			ranges[written].start = current_start;
			ranges[written].end = address;
			ranges[written].type = type_of_rank[current];
			written++;
		}
		current = next;
		current_start = address;
	}
	return written;
}

/* Step 5: usable RAM only counts in whole pages; a range left with none is dropped. */
static size_t align_usable(struct fw_mem_range *ranges, size_t count,
			   struct fwmap_repairs *repairs)
{
	size_t kept = 0, i;

	for (i = 0; i < count; i++) {
		struct fw_mem_range r = ranges[i];

		if (r.type == FW_MEM_USABLE) {
			/* start < FWMAP_PHYS_LIMIT here, so rounding up cannot overflow. */
			uint64_t start = (r.start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
			uint64_t end = r.end & ~(PAGE_SIZE - 1);

			if (start != r.start || end != r.end)
				count_repair(&repairs->unaligned);
			if (start >= end)
				continue;
			r.start = start;
			r.end = end;
		}
		ranges[kept++] = r;
	}
	return kept;
}

size_t fwmap_normalize(struct fw_mem_range *ranges, size_t count, size_t capacity,
		       struct fwmap_repairs *repairs)
{
	struct fwmap_repairs ignored;
	struct fw_mem_range *points;
	size_t n;

	if (!repairs)
		repairs = &ignored;
	__builtin_memset(repairs, 0, sizeof(*repairs));
	if (!ranges || count == 0)
		return 0;
	if (capacity < count)
		capacity = count;

	n = clean_entries(ranges, count, repairs);
	n = fit_to_capacity(ranges, n, capacity, repairs);
	if (n == 0)
		return 0;
	points = make_change_points(ranges, n, capacity);
	sort_change_points(points, 2 * n);
	n = sweep_change_points(ranges, points, 2 * n, repairs);
	return align_usable(ranges, n, repairs);
}

/* The lowest start of whatever [lo, hi) touches; hi when nothing does. */
static uint64_t lowest_collision(fwmap_reader read, const void *map, size_t count,
				 const struct fw_mem_range *avoid, size_t avoid_count, uint64_t lo,
				 uint64_t hi)
{
	uint64_t lowest = hi;

	for (size_t i = 0; i < count + avoid_count; i++) {
		struct fw_mem_range r = i < count ? read(map, i) : avoid[i - count];

		if (i < count && r.type == FW_MEM_USABLE)
			continue;
		if (r.start < hi && lo < r.end && r.start < lowest)
			lowest = r.start;
	}
	return lowest;
}

/* The highest free spot of @bytes in usable entry @r below @limit; 0 if none. */
static uint64_t free_spot_in(struct fw_mem_range r, fwmap_reader read, const void *map, size_t count,
			     const struct fw_mem_range *avoid, size_t avoid_count, uint64_t bytes,
			     uint64_t limit)
{
	uint64_t lo = r.start < PAGE_SIZE ? PAGE_SIZE : (r.start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t top = (r.end < limit ? r.end : limit) & ~(PAGE_SIZE - 1);

	/* Each collision moves the top below the lowest range in the way: it ends. */
	while (top > lo && top - lo >= bytes) {
		uint64_t in_way = lowest_collision(read, map, count, avoid, avoid_count, top - bytes, top);

		if (in_way == top)
			return top - bytes;
		top = in_way & ~(PAGE_SIZE - 1);
	}
	return 0;
}

uint64_t fwmap_find_free(fwmap_reader read, const void *map, size_t count,
			 const struct fw_mem_range *avoid, size_t avoid_count, uint64_t bytes,
			 uint64_t limit)
{
	uint64_t best = 0, best_size = UINT64_MAX;

	bytes = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!bytes)
		return 0;
	/*
	 * The smallest entry that has room: a long map is a fragmented one, and
	 * its few large blocks are what the mem_map's sections will need.
	 */
	for (size_t i = 0; i < count; i++) {
		struct fw_mem_range r = read(map, i);
		uint64_t at;

		if (r.type != FW_MEM_USABLE || r.start >= r.end || r.end - r.start >= best_size ||
		    r.end - r.start < bytes)
			continue;
		at = free_spot_in(r, read, map, count, avoid, avoid_count, bytes, limit);
		if (at) {
			best = at;
			best_size = r.end - r.start;
		}
	}
	return best;
}

uint64_t fwmap_total(const struct fw_mem_range *ranges, size_t count, uint32_t type)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		uint64_t len;

		if (ranges[i].type != type || ranges[i].end <= ranges[i].start)
			continue;
		len = ranges[i].end - ranges[i].start;
		total = total > UINT64_MAX - len ? UINT64_MAX : total + len;
	}
	return total;
}

const char *fw_mem_type_name(uint32_t type)
{
	switch (type) {
	case FW_MEM_USABLE: return "usable";
	case FW_MEM_RESERVED: return "reserved";
	case FW_MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case FW_MEM_ACPI_NVS: return "ACPI NVS";
	case FW_MEM_BAD: return "bad";
	default: return "unknown";
	}
}
