// SPDX-License-Identifier: MIT
/*
 * Host tests for smp/percpu_alloc.c, written against the contract in
 * smp/percpu_alloc.h: offsets past the static 2 MiB, alignment, the
 * region's bound, frees that coalesce, populate called exactly for pages
 * not yet backed (and an allocation that fails with it), frees refused
 * (out of range, unaligned, inside an allocation, twice), and a long
 * random run against a reference model: an owner per unit, a first fit
 * found by brute force, and the pages a run of allocations has touched.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "smp/percpu_alloc.h"
#include "tests/host/check.h"

#define RNG_SEED 0xd1b54a32d192ed03ull
#include "tests/host/rng.h"

#define STATIC PERCPU_STATIC_SIZE
#define FIRST_PAGE (PERCPU_STATIC_SIZE / PERCPU_PAGE_SIZE)

static struct percpu_map map; /* 32 KiB: not on the stack */

/* ---- a populate that records its calls and fails on demand -------------------------- */

struct populate_call {
	uint64_t first_page, pages;
};

static struct populate_call calls[1024];
static unsigned call_count;
static unsigned failing_call; /* the call (counted from 1) that fails; 0: none */

static bool fake_populate(void *cookie, uint64_t first_page, uint64_t pages)
{
	(void)cookie;
	if (call_count < COUNT_OF(calls))
		calls[call_count] = (struct populate_call){ first_page, pages };
	return ++call_count != failing_call;
}

static void map_new(uint64_t size)
{
	CHECK(percpu_map_init(&map, size, fake_populate, NULL));
	call_count = 0;
	failing_call = 0;
}

#define CHECK_CALL(i, first, n)                                                   \
	do {                                                                      \
		CHECK_EQ_U64(calls[i].first_page, first);                         \
		CHECK_EQ_U64(calls[i].pages, n);                                  \
	} while (0)

/* ---- the contract, case by case ------------------------------------------------------ */

static void test_init_refuses_bad_regions(void)
{
	CHECK(!percpu_map_init(&map, 0, fake_populate, NULL));
	CHECK(!percpu_map_init(&map, PERCPU_PAGE_SIZE + 16, fake_populate, NULL));
	CHECK(!percpu_map_init(&map, PERCPU_DYNAMIC_MAX + PERCPU_PAGE_SIZE, fake_populate, NULL));
	CHECK(!percpu_map_init(&map, PERCPU_PAGE_SIZE, NULL, NULL));
	CHECK(percpu_map_init(&map, PERCPU_DYNAMIC_MAX, fake_populate, NULL));
	CHECK(percpu_map_init(&map, PERCPU_PAGE_SIZE, fake_populate, NULL));
}

static void test_offsets_alignment_and_populate(void)
{
	map_new(64 * KiB);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 16), STATIC); /* the first dynamic byte */
	CHECK_EQ_U64(call_count, 1);
	CHECK_CALL(0, FIRST_PAGE, 1);
	CHECK_EQ_U64(percpu_alloc(&map, 1, 1), STATIC + 16); /* rounded to a unit */
	CHECK_EQ_U64(percpu_alloc_size(&map, STATIC + 16), 16);
	CHECK_EQ_U64(call_count, 1); /* same page: nothing new */
	CHECK_EQ_U64(percpu_alloc(&map, 100, 64), STATIC + 64);
	CHECK_EQ_U64(percpu_alloc_size(&map, STATIC + 64), 112);
	CHECK_EQ_U64(percpu_alloc(&map, 4096, 4096), STATIC + 4096);
	CHECK_EQ_U64(call_count, 2);
	CHECK_CALL(1, FIRST_PAGE + 1, 1);
	/* The gap before the page-aligned one is first fit for what fits in it. */
	CHECK_EQ_U64(percpu_alloc(&map, 32, 8), STATIC + 32);
	CHECK_EQ_U64(percpu_alloc(&map, 8192 + 16, 16), STATIC + 8192);
	CHECK_EQ_U64(call_count, 3);
	CHECK_CALL(2, FIRST_PAGE + 2, 3); /* touches pages 2, 3 and the first unit of 4 */
	CHECK_EQ_U64(map.pages_populated, 5);
	CHECK_EQ_U64(map.allocations, 6);
	CHECK_EQ_U64(map.bytes_in_use, 16 + 16 + 112 + 4096 + 32 + 8208);

	/* Bad sizes and alignments: 0, counted, nothing changed. */
	CHECK_EQ_U64(percpu_alloc(&map, 0, 16), 0);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 0), 0);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 48), 0);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 2 * PERCPU_ALIGN_MAX), 0);
	CHECK_EQ_U64(percpu_alloc(&map, 64 * KiB + 1, 16), 0);
	CHECK_EQ_U64(map.failed_allocs, 5);
	CHECK_EQ_U64(map.allocations, 6);
	CHECK_EQ_U64(call_count, 3);
	/* The largest alignment: only the region's start has it, and it is taken. */
	CHECK_EQ_U64(percpu_alloc(&map, 16, PERCPU_ALIGN_MAX), 0);
}

static void test_bad_frees_are_refused(void)
{
	uint64_t a, b;

	map_new(16 * KiB);
	a = percpu_alloc(&map, 64, 16);
	b = percpu_alloc(&map, 64, 16);
	CHECK(a && b);
	CHECK(!percpu_free(&map, 0));                           /* the failure value */
	CHECK(!percpu_free(&map, STATIC - 16));                 /* the static part */
	CHECK(!percpu_free(&map, a + 8));                       /* unaligned */
	CHECK(!percpu_free(&map, a + 16));                      /* inside an allocation */
	CHECK(!percpu_free(&map, b + 64));                      /* free space */
	CHECK(!percpu_free(&map, STATIC + 16 * KiB));           /* past the region */
	CHECK(!percpu_free(&map, UINT64_MAX & ~15ull));         /* far past it */
	CHECK_EQ_U64(map.refused_frees, 7);
	CHECK_EQ_U64(map.allocations, 2);
	CHECK_EQ_U64(percpu_alloc_size(&map, a), 64);
	CHECK_EQ_U64(percpu_alloc_size(&map, a + 16), 0);
	CHECK(percpu_free(&map, a));
	CHECK(!percpu_free(&map, a)); /* twice */
	CHECK_EQ_U64(map.refused_frees, 8);
	CHECK_EQ_U64(percpu_alloc_size(&map, b), 64); /* the neighbour untouched */
	CHECK(percpu_free(&map, b));
	CHECK_EQ_U64(map.allocations, 0);
	CHECK_EQ_U64(map.bytes_in_use, 0);
}

static void test_frees_coalesce(void)
{
	uint64_t offsets[256], i;

	map_new(PERCPU_PAGE_SIZE); /* 256 units */
	for (i = 0; i < 256; i++) {
		offsets[i] = percpu_alloc(&map, 16, 16);
		CHECK_EQ_U64(offsets[i], STATIC + 16 * i);
	}
	CHECK_EQ_U64(percpu_alloc(&map, 16, 16), 0); /* full */
	for (i = 0; i < 256; i += 2)
		CHECK(percpu_free(&map, offsets[i]));
	CHECK_EQ_U64(percpu_alloc(&map, 32, 16), 0); /* half free, no two units together */
	CHECK(percpu_free(&map, offsets[101]));
	CHECK_EQ_U64(percpu_alloc(&map, 48, 16), offsets[100]); /* 100..102 became one */
	CHECK(percpu_free(&map, offsets[100]));
	for (i = 1; i < 256; i += 2)
		if (i != 101)
			CHECK(percpu_free(&map, offsets[i]));
	CHECK_EQ_U64(map.allocations, 0);
	CHECK_EQ_U64(percpu_alloc(&map, PERCPU_PAGE_SIZE, 16), STATIC); /* all one again */
	CHECK_EQ_U64(call_count, 1); /* the page was populated once, at the start */
}

static void test_region_bound(void)
{
	uint64_t whole;

	map_new(PERCPU_DYNAMIC_MAX);
	CHECK_EQ_U64(percpu_alloc(&map, PERCPU_DYNAMIC_MAX + 1, 16), 0);
	whole = percpu_alloc(&map, PERCPU_DYNAMIC_MAX, PERCPU_ALIGN_MAX);
	CHECK_EQ_U64(whole, STATIC);
	CHECK_EQ_U64(call_count, 1);
	CHECK_CALL(0, FIRST_PAGE, PERCPU_MAX_PAGES);
	CHECK_EQ_U64(percpu_alloc(&map, 1, 1), 0);
	CHECK_EQ_U64(percpu_alloc_size(&map, whole), PERCPU_DYNAMIC_MAX);
	CHECK(percpu_free(&map, whole));
	/* The last unit of the region, and nothing past it. */
	CHECK_EQ_U64(percpu_alloc(&map, PERCPU_DYNAMIC_MAX - 16, 16), STATIC);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 16), STATIC + PERCPU_DYNAMIC_MAX - 16);
	CHECK_EQ_U64(percpu_alloc(&map, 16, 16), 0);
	CHECK_EQ_U64(call_count, 1);
}

static void test_populate_failure_fails_the_allocation(void)
{
	uint64_t a, x;

	map_new(64 * KiB);
	failing_call = 1;
	CHECK_EQ_U64(percpu_alloc(&map, 100, 16), 0);
	CHECK_EQ_U64(call_count, 1);
	CHECK_EQ_U64(map.allocations, 0);
	CHECK_EQ_U64(map.pages_populated, 0);
	CHECK_EQ_U64(map.failed_allocs, 1);
	a = percpu_alloc(&map, 100, 16); /* the same place, populated this time */
	CHECK_EQ_U64(a, STATIC);
	CHECK_EQ_U64(call_count, 2);
	CHECK_CALL(1, FIRST_PAGE, 1);

	/* Pages 0 and 2 populated, nothing allocated. */
	x = percpu_alloc(&map, 4096, 8192);
	CHECK_EQ_U64(x, STATIC + 8192);
	CHECK(percpu_free(&map, x));
	CHECK(percpu_free(&map, a));
	CHECK_EQ_U64(map.pages_populated, 2);

	/* Pages 0..4 wanted: runs 1 and 3..4 are new; the second fails, the first stays backed. */
	call_count = 0;
	failing_call = 2;
	CHECK_EQ_U64(percpu_alloc(&map, 4 * 4096 + 16, 16), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK_CALL(0, FIRST_PAGE + 1, 1);
	CHECK_CALL(1, FIRST_PAGE + 3, 2);
	CHECK_EQ_U64(map.pages_populated, 3);
	CHECK_EQ_U64(map.allocations, 0);
	call_count = 0;
	CHECK_EQ_U64(percpu_alloc(&map, 4 * 4096 + 16, 16), STATIC);
	CHECK_EQ_U64(call_count, 1);
	CHECK_CALL(0, FIRST_PAGE + 3, 2);
	CHECK_EQ_U64(map.pages_populated, 5);
}

/* ---- the random run against a model ------------------------------------------------- */

#define MODEL_REGION (256 * KiB)
#define MODEL_UNITS (MODEL_REGION / PERCPU_UNIT)
#define MODEL_PAGES (MODEL_REGION / PERCPU_PAGE_SIZE)
#define MODEL_OPS 30000

static unsigned owner[MODEL_UNITS]; /* 0: free, else the allocation's id */
static bool model_populated[MODEL_PAGES];
static uint64_t live_offset[MODEL_UNITS], live_units[MODEL_UNITS];
static unsigned live_count;

/* The lowest multiple of @step starting @n free units, brute force; MODEL_UNITS if none. */
static uint64_t model_first_fit(uint64_t n, uint64_t step)
{
	uint64_t u, i;

	for (u = 0; u + n <= MODEL_UNITS; u += step) {
		for (i = 0; i < n && !owner[u + i]; i++)
			;
		if (i == n)
			return u;
	}
	return MODEL_UNITS;
}

static uint64_t random_size(void)
{
	uint64_t kind = rnd(100);

	if (kind < 70)
		return 1 + rnd(256);
	if (kind < 95)
		return 257 + rnd(8192);
	return 1 + rnd(64 * KiB);
}

static uint64_t random_align(void)
{
	return rnd(50) ? 1ull << rnd(13) : 1ull << rnd(22); /* now and then past a page */
}

static void model_alloc(void)
{
	uint64_t size = random_size(), align = random_align(), got;
	uint64_t n = (size + 15) / 16, step = align < 16 ? 1 : align / 16;
	uint64_t u = model_first_fit(n, step), page, expected_calls = 0, i;
	bool fail = rnd(25) == 0;
	struct populate_call expected[MODEL_PAGES];

	if (align > PERCPU_ALIGN_MAX)
		u = MODEL_UNITS;
	/* The runs of new pages under the fit, in order; an injected failure hits one of them. */
	if (u != MODEL_UNITS) {
		for (page = u / 256; page <= (u + n - 1) / 256; page++) {
			if (model_populated[page])
				continue;
			if (expected_calls && expected[expected_calls - 1].first_page +
						      expected[expected_calls - 1].pages ==
					      FIRST_PAGE + page)
				expected[expected_calls - 1].pages++;
			else
				expected[expected_calls++] =
					(struct populate_call){ FIRST_PAGE + page, 1 };
		}
	}
	call_count = 0;
	failing_call = fail && expected_calls ? 1 + (unsigned)rnd(expected_calls) : 0;
	got = percpu_alloc(&map, size, align);

	if (u == MODEL_UNITS) {
		CHECK_EQ_U64(got, 0);
		CHECK_EQ_U64(call_count, 0);
		return;
	}
	if (failing_call)
		expected_calls = failing_call;
	CHECK_EQ_U64(call_count, expected_calls);
	for (i = 0; i < expected_calls && i < call_count; i++) {
		CHECK_CALL(i, expected[i].first_page, expected[i].pages);
		if (i + 1 == failing_call)
			break;
		for (page = 0; page < expected[i].pages; page++)
			model_populated[expected[i].first_page - FIRST_PAGE + page] = true;
	}
	if (failing_call) {
		failing_call = 0;
		CHECK_EQ_U64(got, 0);
		return;
	}

	CHECK_EQ_U64(got, STATIC + u * 16);
	if (got != STATIC + u * 16)
		return; /* the model cannot follow a map that went elsewhere */
	CHECK_EQ_U64(got % (align < 16 ? 16 : align), 0);
	CHECK(got >= STATIC && got + size <= STATIC + MODEL_REGION);
	for (page = 0; page < n; page++)
		owner[u + page] = live_count + 1;
	live_offset[live_count] = got;
	live_units[live_count] = n;
	live_count++;
}

static void model_free_live(unsigned i)
{
	uint64_t u = (live_offset[i] - STATIC) / 16, k;

	CHECK_EQ_U64(percpu_alloc_size(&map, live_offset[i]), live_units[i] * 16);
	CHECK(percpu_free(&map, live_offset[i]));
	for (k = 0; k < live_units[i]; k++)
		owner[u + k] = 0;
	/* The last live allocation takes slot i: owners follow it. */
	live_count--;
	if (i != live_count) {
		live_offset[i] = live_offset[live_count];
		live_units[i] = live_units[live_count];
		u = (live_offset[i] - STATIC) / 16;
		for (k = 0; k < live_units[i]; k++)
			owner[u + k] = i + 1;
	}
}

/* Slot of the live allocation at @offset, or live_count. */
static unsigned live_at(uint64_t offset)
{
	unsigned i;

	for (i = 0; i < live_count; i++)
		if (live_offset[i] == offset)
			break;
	return i;
}

static void model_check_all(void)
{
	uint64_t bytes = 0, pages = 0, u;
	unsigned i;

	for (i = 0; i < live_count; i++) {
		CHECK_EQ_U64(percpu_alloc_size(&map, live_offset[i]), live_units[i] * 16);
		bytes += live_units[i] * 16;
	}
	for (u = 0; u < MODEL_PAGES; u++)
		pages += model_populated[u];
	CHECK_EQ_U64(map.allocations, live_count);
	CHECK_EQ_U64(map.bytes_in_use, bytes);
	CHECK_EQ_U64(map.pages_populated, pages);
}

/* A new map, and a model to match: free and unpopulated. */
static void model_restart(void)
{
	while (live_count)
		model_free_live(live_count - 1);
	memset(model_populated, 0, sizeof(model_populated));
	map_new(MODEL_REGION);
}

/*
 * MODEL_OPS allocations and frees in equal measure, and bogus frees; the
 * map starts afresh every MODEL_EPOCH operations, so populate meets an
 * empty region again and again rather than only at the start.
 */
#define MODEL_EPOCH 2500

static void test_random_against_model(void)
{
	uint64_t last_freed = 0, op, failed = 0, populated = 0;

	model_restart();
	for (op = 1; op <= MODEL_OPS; op++) {
		uint64_t kind = rnd(100);

		if (kind < 45 || !live_count) {
			model_alloc();
		} else if (kind < 90) {
			unsigned i = (unsigned)rnd(live_count);

			last_freed = live_offset[i];
			model_free_live(i);
		} else {
			/* Anything at all, or the last freed again: refused unless an allocation starts there. */
			uint64_t bogus = rnd(2) ? last_freed : rnd(STATIC + MODEL_REGION + 8192);
			unsigned i = live_at(bogus);

			if (i < live_count) {
				model_free_live(i);
			} else {
				uint64_t refused = map.refused_frees;

				CHECK(!percpu_free(&map, bogus));
				CHECK_EQ_U64(map.refused_frees, refused + 1);
			}
		}
		if (op % 500 == 0)
			model_check_all();
		if (op % MODEL_EPOCH == 0) {
			failed += map.failed_allocs;
			populated += map.pages_populated;
			model_restart();
		}
	}
	printf("model: %llu failed allocations, %llu pages populated over %d maps\n",
	       (unsigned long long)failed, (unsigned long long)populated, MODEL_OPS / MODEL_EPOCH);

	/* Everything freed: one allocation of the whole region fits again. */
	for (op = 0; op < 200; op++)
		model_alloc();
	while (live_count)
		model_free_live(live_count - 1);
	CHECK_EQ_U64(percpu_alloc(&map, MODEL_REGION, 16), STATIC);
	CHECK_EQ_U64(map.pages_populated, MODEL_PAGES);
}

CHECK_MAIN(CHECK_TEST(test_init_refuses_bad_regions),
	   CHECK_TEST(test_offsets_alignment_and_populate),
	   CHECK_TEST(test_bad_frees_are_refused), CHECK_TEST(test_frees_coalesce),
	   CHECK_TEST(test_region_bound),
	   CHECK_TEST(test_populate_failure_fails_the_allocation),
	   CHECK_TEST(test_random_against_model))
