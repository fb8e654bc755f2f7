/* SPDX-License-Identifier: MIT */
/*
 * bench - strategy=all: every strategy, in rounds, in one boot, over the
 * same mem_map, next to the physical limit measured in the same boot.
 *
 * One cold pass first (the default strategy on untouched memory, which
 * under emulation is mostly the host faulting guest memory in), reported
 * on its own; then strategy.rounds rounds of: a streaming fill of the
 * mem_map's bytes by one CPU and by all CPUs, then every strategy, the
 * order rotated by one each round (a Latin square). Each run stamps its
 * generation into every struct page, so its verification (untimed) proves
 * it wrote every page; each must leave the same digest. Then one @bench
 * per strategy: min, median and max of its warm runs, beside the fill's
 * median and best. Each round also runs bsp once per per-page method
 * (memmap.method), the order swapped each round, each verified with the
 * same digest; one @bench_method per method against the one-CPU fill.
 */
#ifndef MEMINIT_INIT_BENCH_H
#define MEMINIT_INIT_BENCH_H

#include <stdbool.h>

#include "strategies/strategy.h"

/* False if any run did not verify or left another digest. */
bool bench_run(struct strategy_ctx *ctx);

#endif
