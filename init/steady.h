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
 * that `free` would show. @steady gives each window's latency percentiles
 * and the samples: what a user of the boot would see of each strategy.
 */
#ifndef MEMINIT_INIT_STEADY_H
#define MEMINIT_INIT_STEADY_H

#include <stdbool.h>

#include "init/memmap_run.h"
#include "strategies/strategy.h"

/* Was the steady workload asked for (steady=on)? */
bool steady_wanted(void);

/* The "during" window: from now until @ctx's background work is back (or the run's bound). */
void steady_during(const struct strategy_ctx *ctx);

/* The "after" window, then @steady for @s's run @label (call after the run's wait). */
void steady_after(const struct strategy *s, const struct strategy_ctx *ctx,
		  const struct run_label *label);

#endif
