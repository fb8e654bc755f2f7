// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/fwmap.c: hand-made maps with exact expected output, a
 * real QEMU q35 map, and a randomized comparison against a brute-force
 * reference that resolves every elementary interval on its own.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "mm/fwmap.h"
#include "tests/host/check.h"
#include "tests/host/rng.h"

#define U FW_MEM_USABLE
#define R FW_MEM_RESERVED
#define A FW_MEM_ACPI_RECLAIM
#define N FW_MEM_ACPI_NVS
#define B FW_MEM_BAD
#define LIMIT FWMAP_PHYS_LIMIT

#define MAP_SLOTS 256

static void print_map(const char *label, const struct fw_mem_range *m, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s (%zu):\n", label, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "    [0x%" PRIx64 ", 0x%" PRIx64 ") %u\n", m[i].start, m[i].end,
			m[i].type);
}

static bool maps_equal(const struct fw_mem_range *got, size_t got_n,
		       const struct fw_mem_range *want, size_t want_n)
{
	size_t i;

	if (got_n == want_n) {
		for (i = 0; i < got_n; i++)
			if (got[i].start != want[i].start || got[i].end != want[i].end ||
			    got[i].type != want[i].type)
				break;
		if (i == got_n)
			return true;
	}
	if (check_should_print()) {
		print_map("got", got, got_n);
		print_map("want", want, want_n);
	}
	return false;
}

/* Normalize a copy of @in in a roomy buffer; the result lands in @out. */
static size_t normalize(const struct fw_mem_range *in, size_t n, size_t capacity,
			struct fw_mem_range *out, struct fwmap_repairs *rep)
{
	size_t i;

	for (i = 0; i < MAP_SLOTS; i++)
		out[i] = (struct fw_mem_range){ 0xdead, 0xbeef, 0xff };
	for (i = 0; i < n; i++)
		out[i] = in[i];
	return fwmap_normalize(out, n, capacity, rep);
}

#define EXPECT_NORMALIZED(in, want, rep)                                           \
	do {                                                                       \
		struct fw_mem_range out_[MAP_SLOTS];                               \
		size_t n_ = normalize(in, COUNT_OF(in), 2 * COUNT_OF(in), out_, rep); \
		CHECK(maps_equal(out_, n_, want, COUNT_OF(want)));                 \
	} while (0)

static void test_unsorted(void)
{
	const struct fw_mem_range in[] = {
		{ 0x3000, 0x4000, U }, { 0x0, 0x1000, U }, { 0x1000, 0x2000, R } };
	const struct fw_mem_range want[] = {
		{ 0x0, 0x1000, U }, { 0x1000, 0x2000, R }, { 0x3000, 0x4000, U } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 0);
	CHECK_EQ_U64(rep.unaligned, 0);
}

static void test_overlap_reserved_wins(void)
{
	const struct fw_mem_range in[] = { { 0x0, 0x10000, U }, { 0x8000, 0x18000, R } };
	const struct fw_mem_range want[] = { { 0x0, 0x8000, U }, { 0x8000, 0x18000, R } };
	const struct fw_mem_range in2[] = { { 0x8000, 0x18000, R }, { 0x0, 0x20000, U } };
	const struct fw_mem_range want2[] = {
		{ 0x0, 0x8000, U }, { 0x8000, 0x18000, R }, { 0x18000, 0x20000, U } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 1);
	EXPECT_NORMALIZED(in2, want2, &rep);
	CHECK_EQ_U64(rep.overlaps, 1);
}

static void test_reserved_inside_usable(void)
{
	const struct fw_mem_range in[] = { { 0x0, 0x10000, U }, { 0x4000, 0x5000, R } };
	const struct fw_mem_range want[] = {
		{ 0x0, 0x4000, U }, { 0x4000, 0x5000, R }, { 0x5000, 0x10000, U } };
	struct fw_mem_range out[MAP_SLOTS];
	struct fwmap_repairs rep;
	size_t n;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 1);
	/* Exactly 2 * count slots are enough for the three pieces. */
	n = normalize(in, 2, 4, out, &rep);
	CHECK(maps_equal(out, n, want, 3));
	CHECK_EQ_U64(rep.dropped, 0);
	CHECK_EQ_U64(out[4].start, 0xdead); /* nothing written past capacity */
}

static void test_nested(void)
{
	const struct fw_mem_range in[] = {
		{ 0x0, 0x100000, U },
		{ 0x10000, 0x80000, R },
		{ 0x20000, 0x30000, N },
		{ 0x22000, 0x23000, B },
	};
	const struct fw_mem_range want[] = {
		{ 0x0, 0x10000, U },	  { 0x10000, 0x20000, R }, { 0x20000, 0x22000, N },
		{ 0x22000, 0x23000, B }, { 0x23000, 0x30000, N }, { 0x30000, 0x80000, R },
		{ 0x80000, 0x100000, U },
	};
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 6); /* every pair overlaps */
}

static void test_identical_duplicates(void)
{
	const struct fw_mem_range in[] = {
		{ 0x1000, 0x2000, R }, { 0x1000, 0x2000, R }, { 0x1000, 0x2000, R } };
	const struct fw_mem_range want[] = { { 0x1000, 0x2000, R } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 3);
}

static void test_adjacent_merge(void)
{
	const struct fw_mem_range in[] = {
		{ 0x2000, 0x3000, R }, { 0x0, 0x1000, U }, { 0x3000, 0x4000, R },
		{ 0x1000, 0x2000, U }, { 0x4000, 0x5000, A }, { 0x5000, 0x6000, A },
	};
	const struct fw_mem_range want[] = {
		{ 0x0, 0x2000, U }, { 0x2000, 0x4000, R }, { 0x4000, 0x6000, A } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.overlaps, 0); /* touching is not overlapping */
}

static void test_zero_length(void)
{
	const struct fw_mem_range in[] = {
		{ 0x5000, 0x5000, R }, { 0x0, 0x1000, U }, { 0x0, 0x0, B } };
	const struct fw_mem_range want[] = { { 0x0, 0x1000, U } };
	const struct fw_mem_range only_empty[] = { { 0x7000, 0x7000, U } };
	struct fw_mem_range out[MAP_SLOTS];
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.zero_length, 2);
	CHECK_EQ_U64(normalize(only_empty, 1, 2, out, &rep), 0);
	CHECK_EQ_U64(rep.zero_length, 1);
	CHECK_EQ_U64(normalize(only_empty, 0, 2, out, &rep), 0);
	CHECK_EQ_U64(rep.zero_length, 0);
}

static void test_unaligned_usable(void)
{
	const struct fw_mem_range in[] = { { 0x1234, 0x5678, U }, { 0x5678, 0x6000, R } };
	/* Only usable RAM is page-aligned; the reserved range keeps its bytes. */
	const struct fw_mem_range want[] = { { 0x2000, 0x5000, U }, { 0x5678, 0x6000, R } };
	const struct fw_mem_range vanish[] = { { 0x1001, 0x1fff, U }, { 0x1800, 0x2800, U },
					       { 0x10000, 0x11000, R } };
	const struct fw_mem_range vanish_want[] = { { 0x10000, 0x11000, R } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.unaligned, 1);
	/* [0x1001, 0x1fff) and [0x1800, 0x2800) merge first, then shrink to nothing. */
	EXPECT_NORMALIZED(vanish, vanish_want, &rep);
	CHECK_EQ_U64(rep.unaligned, 1);
}

static void test_split_usable_aligned_after_resolution(void)
{
	/* A reserved hole at an odd address takes the partial pages around it. */
	const struct fw_mem_range in[] = { { 0x0, 0x10000, U }, { 0x4800, 0x5800, R } };
	const struct fw_mem_range want[] = {
		{ 0x0, 0x4000, U }, { 0x4800, 0x5800, R }, { 0x6000, 0x10000, U } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.unaligned, 2);
}

static void test_phys_limit(void)
{
	const struct fw_mem_range in[] = {
		{ LIMIT - 0x2000, LIMIT + 1, R },
		{ LIMIT, LIMIT + 0x1000, U },
		{ LIMIT + 0x5000, UINT64_MAX, B },
	};
	const struct fw_mem_range want[] = { { LIMIT - 0x2000, LIMIT, R } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.beyond_limit, 3);
}

static void test_length_overflow(void)
{
	/* Saturated by the parser (end = 2^64 - 1) or wrapped (end < start). */
	const struct fw_mem_range saturated[] = { { 0x100000000ull, UINT64_MAX, U } };
	const struct fw_mem_range saturated_want[] = { { 0x100000000ull, LIMIT, U } };
	const struct fw_mem_range wrapped[] = { { 0x1000, 0x800, R } };
	const struct fw_mem_range wrapped_want[] = { { 0x1000, LIMIT, R } };
	const struct fw_mem_range wrapped_past[] = { { UINT64_MAX - 0xfff, 0x1000, R } };
	struct fw_mem_range out[MAP_SLOTS];
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(saturated, saturated_want, &rep);
	CHECK_EQ_U64(rep.beyond_limit, 1);
	EXPECT_NORMALIZED(wrapped, wrapped_want, &rep);
	CHECK_EQ_U64(rep.beyond_limit, 1);
	CHECK_EQ_U64(normalize(wrapped_past, 1, 2, out, &rep), 0);
	CHECK_EQ_U64(rep.beyond_limit, 1);
}

static void test_unknown_type(void)
{
	const struct fw_mem_range in[] = {
		{ 0x0, 0x2000, U }, { 0x0, 0x1000, 7 }, { 0x3000, 0x4000, 0 },
		{ 0x4000, 0x5000, 0xffffffffu } };
	const struct fw_mem_range want[] = {
		{ 0x0, 0x1000, R }, { 0x1000, 0x2000, U }, { 0x3000, 0x5000, R } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(in, want, &rep);
	CHECK_EQ_U64(rep.unknown_type, 3);
}

static void test_priorities(void)
{
	const struct fw_mem_range acpi_in_usable[] = { { 0x0, 0x10000, U }, { 0x8000, 0x9000, A } };
	const struct fw_mem_range acpi_in_usable_want[] = {
		{ 0x0, 0x8000, U }, { 0x8000, 0x9000, A }, { 0x9000, 0x10000, U } };
	const struct fw_mem_range reserved_over_acpi[] = { { 0x0, 0x4000, A }, { 0x2000, 0x6000, R } };
	const struct fw_mem_range reserved_over_acpi_want[] = {
		{ 0x0, 0x2000, A }, { 0x2000, 0x6000, R } };
	const struct fw_mem_range nvs_over_reserved[] = { { 0x0, 0x4000, N }, { 0x0, 0x6000, R } };
	const struct fw_mem_range nvs_over_reserved_want[] = {
		{ 0x0, 0x4000, N }, { 0x4000, 0x6000, R } };
	const struct fw_mem_range bad_over_nvs[] = { { 0x1000, 0x2000, B }, { 0x0, 0x3000, N } };
	const struct fw_mem_range bad_over_nvs_want[] = {
		{ 0x0, 0x1000, N }, { 0x1000, 0x2000, B }, { 0x2000, 0x3000, N } };
	struct fwmap_repairs rep;

	EXPECT_NORMALIZED(acpi_in_usable, acpi_in_usable_want, &rep);
	EXPECT_NORMALIZED(reserved_over_acpi, reserved_over_acpi_want, &rep);
	EXPECT_NORMALIZED(nvs_over_reserved, nvs_over_reserved_want, &rep);
	EXPECT_NORMALIZED(bad_over_nvs, bad_over_nvs_want, &rep);
}

static void test_capacity_exhaustion(void)
{
	const struct fw_mem_range in[] = {
		{ 0x0, 0x1000, U }, { 0x1000, 0x2000, R }, { 0x10000, 0x20000, U },
		{ 0x3000, 0x4000, N } };
	/* Room for two: the usable ranges go first, the stricter ones stay. */
	const struct fw_mem_range want[] = { { 0x1000, 0x2000, R }, { 0x3000, 0x4000, N } };
	const struct fw_mem_range three[] = {
		{ 0x0, 0x1000, R }, { 0x2000, 0x3000, N }, { 0x5000, 0x6000, R } };
	const struct fw_mem_range three_want[] = { { 0x2000, 0x3000, N } };
	const struct fw_mem_range usable_under_reserved[] = {
		{ 0x0, 0x10000, U }, { 0x4000, 0x5000, R }, { 0x8000, 0x9000, U } };
	const struct fw_mem_range usable_under_reserved_want[] = { { 0x4000, 0x5000, R } };
	struct fw_mem_range out[MAP_SLOTS];
	struct fwmap_repairs rep;
	size_t n;

	n = normalize(in, 4, 4, out, &rep);
	CHECK(maps_equal(out, n, want, 2));
	CHECK_EQ_U64(rep.dropped, 2);
	CHECK_EQ_U64(out[4].start, 0xdead);

	n = normalize(in, 4, 5, out, &rep);
	CHECK(maps_equal(out, n, want, 2));
	CHECK_EQ_U64(rep.dropped, 2);

	/* The last of a type goes first. */
	n = normalize(three, 3, 3, out, &rep);
	CHECK(maps_equal(out, n, three_want, 1));
	CHECK_EQ_U64(rep.dropped, 2);

	/* A capacity below count is read as count: the slots are there. */
	n = normalize(usable_under_reserved, 3, 0, out, &rep);
	CHECK(maps_equal(out, n, usable_under_reserved_want, 1));
	CHECK_EQ_U64(rep.dropped, 2);
	CHECK_EQ_U64(out[3].start, 0xdead);

	/* Dropping empty ranges first can make the rest fit. */
	{
		const struct fw_mem_range with_empty[] = { { 0x0, 0x1000, U }, { 0x9000, 0x9000, R } };

		n = normalize(with_empty, 2, 2, out, &rep);
		CHECK_EQ_U64(n, 1);
		CHECK_EQ_U64(rep.dropped, 0);
		CHECK_EQ_U64(rep.zero_length, 1);
	}
}

static void test_null_repairs_and_empty(void)
{
	struct fw_mem_range m[4] = { { 0x0, 0x4000, U }, { 0x1000, 0x2000, R } };

	CHECK_EQ_U64(fwmap_normalize(m, 2, 4, NULL), 3);
	CHECK_EQ_U64(fwmap_normalize(NULL, 0, 0, NULL), 0);
	CHECK_EQ_U64(fwmap_normalize(m, 0, 4, NULL), 0);
}

static void test_qemu_q35_6g(void)
{
	/* What QEMU's q35 machine with 6 GiB reports, shuffled a little. */
	const struct fw_mem_range in[] = {
		{ 0x100000, 0xbffe0000, U },
		{ 0x0, 0x9fc00, U },
		{ 0x9fc00, 0xa0000, R },
		{ 0xfeffc000, 0xff000000, R },
		{ 0xf0000, 0x100000, R },
		{ 0xbffe0000, 0xc0000000, R },
		{ 0x100000000, 0x1c0000000, U },
		{ 0xfffc0000, 0x100000000, R },
	};
	const struct fw_mem_range want[] = {
		{ 0x0, 0x9f000, U },
		{ 0x9fc00, 0xa0000, R },
		{ 0xf0000, 0x100000, R },
		{ 0x100000, 0xbffe0000, U },
		{ 0xbffe0000, 0xc0000000, R },
		{ 0xfeffc000, 0xff000000, R },
		{ 0xfffc0000, 0x100000000, R },
		{ 0x100000000, 0x1c0000000, U },
	};
	struct fw_mem_range out[MAP_SLOTS];
	struct fwmap_repairs rep;
	size_t n;

	n = normalize(in, COUNT_OF(in), MAP_SLOTS, out, &rep);
	CHECK(maps_equal(out, n, want, COUNT_OF(want)));
	CHECK_EQ_U64(fwmap_total(out, n, U), 0x17ff7f000ull);
	CHECK_EQ_U64(fwmap_total(out, n, R), 0x74400);
	CHECK_EQ_U64(fwmap_total(out, n, N), 0);
	CHECK_EQ_U64(rep.overlaps, 0);
	CHECK_EQ_U64(rep.unaligned, 1);
	CHECK_EQ_U64(rep.zero_length + rep.beyond_limit + rep.unknown_type + rep.dropped, 0);
}

static void test_total_and_names(void)
{
	const struct fw_mem_range m[] = {
		{ 0x0, 0x1000, U }, { 0x2000, 0x1000, U }, { 0x0, UINT64_MAX, R },
		{ 0x0, UINT64_MAX, R } };

	CHECK_EQ_U64(fwmap_total(m, 2, U), 0x1000); /* a backwards range counts nothing */
	CHECK_EQ_U64(fwmap_total(m, 4, R), UINT64_MAX); /* saturates */
	CHECK_EQ_U64(fwmap_total(NULL, 0, U), 0);
	CHECK_STR_EQ(fw_mem_type_name(U), "usable");
	CHECK_STR_EQ(fw_mem_type_name(R), "reserved");
	CHECK_STR_EQ(fw_mem_type_name(A), "ACPI reclaimable");
	CHECK_STR_EQ(fw_mem_type_name(N), "ACPI NVS");
	CHECK_STR_EQ(fw_mem_type_name(B), "bad");
	CHECK_STR_EQ(fw_mem_type_name(0), "unknown");
	CHECK_STR_EQ(fw_mem_type_name(99), "unknown");
}

/* ---- randomized comparison with a brute-force reference ----------------- */

static unsigned strictness(uint32_t type)
{
	switch (type) {
	case U: return 1;
	case A: return 2;
	case N: return 4;
	case B: return 5;
	default: return 3; /* reserved and unknown */
	}
}

static uint32_t canonical_type(uint32_t type)
{
	return type >= U && type <= B ? type : R;
}

/* The same per-entry cleaning the contract asks for, written plainly. */
static size_t reference_clean(const struct fw_mem_range *in, size_t n, struct fw_mem_range *out)
{
	size_t k = 0, i;

	for (i = 0; i < n; i++) {
		struct fw_mem_range r = in[i];

		if (r.start == r.end)
			continue;
		if (r.end < r.start)
			r.end = UINT64_MAX;
		if (r.start >= LIMIT)
			continue;
		if (r.end > LIMIT)
			r.end = LIMIT;
		r.type = canonical_type(r.type);
		out[k++] = r;
	}
	return k;
}

/* 0 when nothing covers @addr, else the strictest type that does. */
static uint32_t strictest_at(const struct fw_mem_range *m, size_t n, uint64_t addr)
{
	uint32_t best = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].start <= addr && addr < m[i].end &&
		    (!best || strictness(m[i].type) > strictness(best)))
			best = m[i].type;
	return best;
}

static uint32_t type_at(const struct fw_mem_range *m, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].start <= addr && addr < m[i].end)
			return m[i].type;
	return 0;
}

/* Elementary intervals, each typed on its own, merged, then usable aligned. */
static size_t reference_normalize(const struct fw_mem_range *clean, size_t n,
				  struct fw_mem_range *out)
{
	uint64_t bounds[2 * MAP_SLOTS];
	size_t nb = 0, k = 0, i;

	for (i = 0; i < n; i++) {
		bounds[nb++] = clean[i].start;
		bounds[nb++] = clean[i].end;
	}
	qsort(bounds, nb, sizeof(bounds[0]), compare_u64);
	for (i = 0; i + 1 < nb; i++) {
		uint32_t t;

		if (bounds[i] == bounds[i + 1])
			continue;
		t = strictest_at(clean, n, bounds[i]);
		if (!t)
			continue;
		if (k && out[k - 1].end == bounds[i] && out[k - 1].type == t)
			out[k - 1].end = bounds[i + 1];
		else
			out[k++] = (struct fw_mem_range){ bounds[i], bounds[i + 1], t };
	}
	for (i = 0, n = k, k = 0; i < n; i++) {
		struct fw_mem_range r = out[i];

		if (r.type == U) {
			r.start = (r.start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
			r.end &= ~(PAGE_SIZE - 1);
			if (r.start >= r.end)
				continue;
		}
		out[k++] = r;
	}
	return k;
}

static uint64_t random_address(void)
{
	switch (xorshift64() % 16) {
	case 0: return LIMIT - 0x400 * (xorshift64() % 8);
	case 1: return UINT64_MAX - xorshift64() % 0x3000;
	case 2: return xorshift64() % 0x40000;
	default: return 0x400 * (xorshift64() % 64); /* dense: many overlaps */
	}
}

static uint32_t random_type(void)
{
	static const uint32_t odd[] = { 0, 6, 12, 0xffffffffu };
	uint64_t r = xorshift64() % 24;

	return r < 20 ? (uint32_t)(1 + r % 5) : odd[r - 20];
}

static bool is_normalized(const struct fw_mem_range *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i].start >= m[i].end || m[i].end > LIMIT)
			return false;
		if (m[i].type < U || m[i].type > B)
			return false;
		if (m[i].type == U && ((m[i].start | m[i].end) & (PAGE_SIZE - 1)))
			return false;
		if (i && m[i - 1].end > m[i].start)
			return false;
		if (i && m[i - 1].end == m[i].start && m[i - 1].type == m[i].type)
			return false; /* should have been merged */
	}
	return true;
}

static uint64_t input_total(const struct fw_mem_range *clean, size_t n, uint32_t type)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (clean[i].type == type)
			total += clean[i].end - clean[i].start;
	return total;
}

static unsigned overlapping_pairs(const struct fw_mem_range *clean, size_t n)
{
	unsigned pairs = 0;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (clean[i].start < clean[j].end && clean[j].start < clean[i].end)
				pairs++;
	return pairs;
}

static void check_probes(const struct fw_mem_range *clean, size_t nc,
			 const struct fw_mem_range *out, size_t n, bool full_capacity)
{
	size_t i;

	/* Every boundary and the byte before it, then random addresses. */
	for (i = 0; i < 4 * nc + 16; i++) {
		const struct fw_mem_range *r = &clean[i / 4];
		uint64_t addr;
		uint32_t want, got;

		if (i < 4 * nc)
			addr = (i % 2 ? r->end : r->start) - (i % 4 >= 2);
		else
			addr = random_address() % LIMIT;
		want = strictest_at(clean, nc, addr);
		got = type_at(out, n, addr);
		if (got == want)
			continue;
		/* Allowed: usable bytes lost to page alignment; short of room, anything lost. */
		if (!got && (want == U || !full_capacity))
			continue;
		CHECK_EQ_U64(got, want);
	}
}

static void test_random_against_reference(void)
{
	struct fw_mem_range in[MAP_SLOTS], clean[MAP_SLOTS], out[MAP_SLOTS], ref[MAP_SLOTS];
	unsigned iter;

	for (iter = 0; iter < 20000; iter++) {
		size_t n = 1 + xorshift64() % 24, nc, got, want, i;
		bool full = xorshift64() % 4 != 0;
		size_t capacity = full ? 2 * n + xorshift64() % 3 : n + xorshift64() % n;
		struct fwmap_repairs rep;
		uint32_t type;

		for (i = 0; i < n; i++) {
			uint64_t start = random_address(), len = xorshift64() % 8;

			in[i].start = start;
			in[i].end = len < 6 ? start + 0x400 * len + xorshift64() % 3 * 0x123
					    : random_address();
			in[i].type = random_type();
		}
		nc = reference_clean(in, n, clean);
		got = normalize(in, n, capacity, out, &rep);

		CHECK(got <= capacity);
		CHECK(is_normalized(out, got));
		CHECK_EQ_U64(out[capacity].start, 0xdead);
		for (type = U; type <= B; type++)
			CHECK(fwmap_total(out, got, type) <= input_total(clean, nc, type));
		check_probes(clean, nc, out, got, capacity >= 2 * nc);
		if (capacity >= 2 * nc) {
			want = reference_normalize(clean, nc, ref);
			CHECK(maps_equal(out, got, ref, want));
			CHECK_EQ_U64(rep.overlaps, overlapping_pairs(clean, nc));
			CHECK_EQ_U64(rep.dropped, 0);
		} else {
			CHECK_EQ_U64(rep.dropped, nc - capacity / 2);
		}
		if (check_failed_checks > CHECK_PRINT_MAX)
			break;
	}
}

static struct fw_mem_range read_array(const void *map, size_t i)
{
	return ((const struct fw_mem_range *)map)[i];
}

/* Room for a table found in a raw map: inside RAM, clear of everything in use. */
static void test_find_free(void)
{
	const struct fw_mem_range raw[] = {
		{ 0x0, 0x9fc00, U },
		{ 0x200000, 0x400000, R },     /* listed before the RAM it sits in */
		{ 0x100000, 0x1000000, U },
		{ 0xc00000, 0xc01000, N },
		{ 0x2000000, 0x2000800, U },   /* under a page once aligned */
	};
	const struct fw_mem_range kernel[] = { { 0xe00000, 0xf80000, R } };
	uint64_t mb = 0x100000;

	/* The smallest RAM entry that has room, at its top: low RAM, 0x9f000 - one page. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, NULL, 0, 4096, ~0ull), 0x9e000);
	/* Too big for low RAM: the top of the RAM at 1 MiB. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, NULL, 0, mb, ~0ull), 0xf00000);
	/* The kernel in the way: just below it. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, kernel, 1, mb, ~0ull), 0xd00000);
	/* 2 MiB: below the kernel, then below the NVS page as well. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, kernel, 1, 2 * mb, ~0ull), 0xa00000);
	/* 8 MiB: between the reserved range and the NVS page, touching both. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, kernel, 1, 8 * mb, ~0ull), 0x400000);
	/* Nothing that large anywhere; nothing below a limit of 1 MiB that is big enough. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, kernel, 1, 0x900000, ~0ull), 0);
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, NULL, 0, 0xa0000, 0x100000), 0);
	/* Best fit: of two entries with room, the smaller one, whatever their order. */
	{
		const struct fw_mem_range two[] = { { 0x100000, 0x4000000, U }, { 0x5000000, 0x5100000, U } };
		const struct fw_mem_range owt[] = { two[1], two[0] };

		CHECK_EQ_U64(fwmap_find_free(read_array, two, 2, NULL, 0, 0x10000, ~0ull), 0x50f0000);
		CHECK_EQ_U64(fwmap_find_free(read_array, owt, 2, NULL, 0, 0x10000, ~0ull), 0x50f0000);
	}
	/* Page 0 is never returned, and zero bytes find nothing. */
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 1, NULL, 0, 0x9f000, ~0ull), 0);
	CHECK_EQ_U64(fwmap_find_free(read_array, raw, 5, NULL, 0, 0, ~0ull), 0);
}

CHECK_MAIN(CHECK_TEST(test_find_free), CHECK_TEST(test_unsorted), CHECK_TEST(test_overlap_reserved_wins),
	   CHECK_TEST(test_reserved_inside_usable), CHECK_TEST(test_nested),
	   CHECK_TEST(test_identical_duplicates), CHECK_TEST(test_adjacent_merge),
	   CHECK_TEST(test_zero_length), CHECK_TEST(test_unaligned_usable),
	   CHECK_TEST(test_split_usable_aligned_after_resolution), CHECK_TEST(test_phys_limit),
	   CHECK_TEST(test_length_overflow), CHECK_TEST(test_unknown_type),
	   CHECK_TEST(test_priorities), CHECK_TEST(test_capacity_exhaustion),
	   CHECK_TEST(test_null_repairs_and_empty), CHECK_TEST(test_qemu_q35_6g),
	   CHECK_TEST(test_total_and_names), CHECK_TEST(test_random_against_reference))
