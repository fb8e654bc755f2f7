/* SPDX-License-Identifier: MIT */
/*
 * memmap_run - the measured part of the boot: the chosen strategy builds the
 * mem_map and the buddy allocator, then the result is verified, digested
 * and reported (@span, @result). strategy=all repeats the three steps
 * below for every strategy, in rounds (init/bench.c).
 */
#ifndef MEMINIT_INIT_MEMMAP_RUN_H
#define MEMINIT_INIT_MEMMAP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "strategies/strategy.h"

/* Which run of the boot a @result is: run 0 is the cold one; round -1 outside strategy=all. */
struct run_label {
	unsigned run;
	int round;
	bool cold;
	bool steady; /* a run of benchmark mode's steady workload, outside the timed rounds */
	bool method_run; /* benchmark mode's bsp run of one per-page method (memmap.method), beside the rounds' */
};

struct smp_wake_work;

/*
 * For a strategy that starts before the APs wake (strategy=overlap): lay
 * out the mem_map (phase memmap_setup) and begin the run (memmap_start);
 * return what smp_boot_wake() gives the waking CPUs. NULL, doing nothing,
 * for every other strategy.
 */
const struct smp_wake_work *memmap_run_early(void);
/* Returns false when the mem_map did not verify. */
bool memmap_run(void);

/* Empty buddy lists, then @s->run: returns when the boot could go on (usable_ns). */
void memmap_run_start(const struct strategy *s, struct strategy_ctx *ctx);
/*
 * meminit_wait - the completion barrier: return when every page is
 * initialized and in the buddy allocator (at once unless the running
 * strategy left work behind, as async does). Halts while it waits; false,
 * with an @error naming the CPUs that did not finish, after a bound that
 * grows with memory.
 */
bool meminit_wait(void);
/* meminit_wait(), then done_ns and the last free-memory sample. False if the wait gave up. */
bool memmap_run_finish(const struct strategy *s, struct strategy_ctx *ctx);
/* Verify and digest (untimed by the run), print the run's @span and its @result. */
bool memmap_run_check(const struct strategy *s, const struct strategy_ctx *ctx,
		      const struct run_label *label, uint64_t *digest);

#endif
