/* SPDX-License-Identifier: MIT */
/*
 * steady - the thread's claim about deferred init, measured: "stats either
 * fluctuate shortly after bootup or have to be faked".
 *
 * From the moment a run lets the boot go on (usable), the boot CPU does
 * what a steady service would: one order-0 allocation, a touch and a free
 * every steady.period_us, timing each allocation. It keeps going while the
 * run's background work is still out (the "during" window, empty for the
 * strategies that are done when they return) and for steady.after_ms once
 * everything has arrived (the "after" window), sampling the free-page count
 * that `free` would show; then once more with the other CPUs kept busy
 * polling ("after_busy": the host contention of "during" without the
 * run). @steady gives each window's latency percentiles and the samples:
 * what a user of the boot would see of each strategy.
 */
#ifndef MEMINIT_INIT_STEADY_H
#define MEMINIT_INIT_STEADY_H

#include <stdbool.h>
#include <stdint.h>

#include "init/memmap_run.h"
#include "strategies/strategy.h"

/*
 * One window of the workload: latencies measured from each op's due time,
 * not from when it ran, so an op the boot CPU could not start (it was busy
 * elsewhere: a strategy's synchronous init) counts the whole delay, and the
 * ops it missed meanwhile count theirs: a service's latency, as a user of
 * it would see it.
 */
#define STEADY_LATENCIES_KEPT 8192

struct steady_window {
	uint32_t ns[STEADY_LATENCIES_KEPT]; /* a reservoir standing for all ops: percentiles stay unbiased */
	unsigned kept;
	uint64_t ops, failed, max_ns, start_ns, end_ns;
};

/* Empty @w for a new window (its latencies, counts and maximum). */
void steady_window_clear(struct steady_window *w);

/* Start the workload's clock: the first op is due now, the free samples start empty. */
void steady_start(void);

/* Forget the ops that fell due while the workload was not meant to run (before a baseline). */
void steady_resume(void);

/*
 * Serve ops into @w until @until_ns, or until @ctx's background work is back
 * when @until_back; ops due while the boot CPU was away are counted first.
 */
void steady_serve(struct steady_window *w, const struct strategy_ctx *ctx, uint64_t until_ns,
		  bool until_back);

/* Count into @w the ops that fell due while the boot CPU was elsewhere, up to now. */
void steady_catch_up(struct steady_window *w);

/* @w as a record's object under @key (sorts its latencies); null when it had no op. */
void rec_steady_window(struct record *r, const char *key, struct steady_window *w);

/* steady.after_ms in ns: how long a baseline window lasts. */
uint64_t steady_baseline_ns(void);

/* Was the steady workload asked for (steady=on)? */
bool steady_wanted(void);

/*
 * The "during" window: from now until @ctx's background work is back (or
 * the run's bound); empty for a strategy @s without a wait (done when it returned).
 */
void steady_during(const struct strategy *s, const struct strategy_ctx *ctx);

/*
 * The run's wait has returned: what the boot CPU did in it (under async on
 * one CPU, all the deferred work) held every op that fell due, counted
 * into "during". Call right after the wait, before any bookkeeping.
 */
void steady_waited(void);

/* The "after" window, then @steady for @s's run @label (call after the run's wait). */
void steady_after(const struct strategy *s, const struct strategy_ctx *ctx,
		  const struct run_label *label);

#endif
