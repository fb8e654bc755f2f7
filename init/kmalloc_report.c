// SPDX-License-Identifier: MIT
#include "init/kmalloc_report.h"

#include "arch/x86_64/tsc.h"
#include "init/record.h"
#include "init/sort.h"
#include "mm/kmalloc.h"
#include "mm/memmap_boot.h"

#define PAIR_ROUNDS 9
#define PAIRS_PER_ROUND 2000
#define PAIR_SIZE 64

static const char *const stage_names[KMALLOC_STAGES] = {
	[KMALLOC_IMAGE] = "image", [KMALLOC_MEMBLOCK] = "memblock", [KMALLOC_FROZEN] = "frozen",
	[KMALLOC_SLAB] = "slab",
};

/* One round of kmalloc(64)/kfree pairs: ps per pair. */
static uint64_t time_pair_round(void)
{
	uint64_t t0 = time_ns();

	for (unsigned i = 0; i < PAIRS_PER_ROUND; i++) {
		void *volatile p = kmalloc(PAIR_SIZE, -1);

		kfree(p);
	}
	return (time_ns() - t0) * 1000 / PAIRS_PER_ROUND;
}

/* The same loop without the pair (the pointer still through the stack): ps per iteration, the floor. */
static uint64_t time_loop_round(void)
{
	uint64_t t0 = time_ns();

	for (unsigned i = 0; i < PAIRS_PER_ROUND; i++) {
		void *volatile p = (void *)(uintptr_t)i;

		(void)p;
	}
	return (time_ns() - t0) * 1000 / PAIRS_PER_ROUND;
}

/* Pairs and their loop alone in alternate rounds, each sorted; the first pair of all warms the cache. */
static void time_pairs(uint64_t *per_pair_ps, uint64_t *per_loop_ps, unsigned rounds)
{
	kfree(kmalloc(PAIR_SIZE, -1));
	for (unsigned r = 0; r < rounds; r++) {
		per_pair_ps[r] = time_pair_round();
		per_loop_ps[r] = time_loop_round();
	}
	sort_u64(per_pair_ps, rounds);
	sort_u64(per_loop_ps, rounds);
}

void kmalloc_report(void)
{
	const struct kmalloc_stats *s;
	uint64_t pair_ps[PAIR_ROUNDS], loop_ps[PAIR_ROUNDS], free_after_return;
	struct record r;

	kmalloc_return_early(); /* after the last verification: what boot no longer needs */
	free_after_return = buddy_free_pages(&boot_buddy, -1);
	time_pairs(pair_ps, loop_ps, PAIR_ROUNDS);
	s = kmalloc_stats(); /* after the pairs, which it counts */
	record_begin(&r, "kmalloc");
	rec_str(&r, "stage", stage_names[kmalloc_stage()]);
	rec_object_begin(&r, "stage_ns");
	for (unsigned i = 0; i < KMALLOC_STAGES; i++)
		if (i == KMALLOC_IMAGE || s->stage_ns[i])
			rec_u64(&r, stage_names[i], s->stage_ns[i]);
	rec_object_end(&r);
	rec_object_begin(&r, "served");
	for (unsigned i = 0; i < KMALLOC_STAGES; i++)
		rec_u64(&r, stage_names[i], s->served[i]);
	rec_object_end(&r);
	if (s->first_slab_ns)
		rec_u64(&r, "first_slab_ns", s->first_slab_ns);
	else
		rec_null(&r, "first_slab_ns");
	rec_u64(&r, "image_bytes_used", s->image_bytes_used);
	rec_u64(&r, "returned_late_bytes", s->returned_late_bytes);
	rec_object_begin(&r, "returned_late");
	{
		const char *what[8];
		uint64_t bytes[8];
		unsigned n = kmalloc_returned_late(what, bytes, 8);

		for (unsigned i = 0; i < n; i++)
			rec_u64(&r, what[i], bytes[i]);
	}
	rec_object_end(&r);
	rec_u64(&r, "free_pages_after_return", free_after_return); /* @result's free pages plus what came back */
	rec_u64(&r, "failures", s->failures);
	rec_u64(&r, "pair_size", PAIR_SIZE);
	rec_u64(&r, "pair_rounds", PAIR_ROUNDS);
	rec_milli(&r, "pair_ns_min", pair_ps[0]);
	rec_milli(&r, "pair_ns_median", pair_ps[PAIR_ROUNDS / 2]);
	rec_milli(&r, "pair_loop_ns_min", loop_ps[0]); /* what of pair_ns_min is the loop's own */
	record_end(&r);
}
