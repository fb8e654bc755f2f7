/* SPDX-License-Identifier: MIT */
/*
 * strategy - who initializes which part of the mem_map, where and when.
 *
 * A strategy only schedules: the per-page work is memmap_init_range() and
 * the hand-off is memmap_free_range() (mm/), the same for every strategy,
 * so all of them leave the same mem_map behind. Each strategy is one file
 * with an ops struct registered by STRATEGY(); `strategy=NAME` picks one.
 */
#ifndef MEMINIT_STRATEGIES_STRATEGY_H
#define MEMINIT_STRATEGIES_STRATEGY_H

#include <stdint.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "smp/cpumask.h"

struct strategy_node_result {
	uint64_t start_ns, end_ns; /* first work began, last work ended, on any CPU */
	struct cpumask cpus;       /* CPUs that worked on this node */
};

struct strategy_ctx {
	struct memmap *mm;
	struct buddy *buddy;
	uint64_t start_ns;  /* when the strategy was called */
	uint64_t usable_ns; /* the boot could go on (set by run, or by the framework when run returns) */
	uint64_t done_ns;   /* every page initialized and in the buddy allocator */
	struct strategy_node_result nodes[MAX_NODES];
};

struct strategy {
	const char *name;
	const char *help; /* one line: what it does and when it wins */
	/* Start the work; return when the boot may go on. */
	void (*run)(struct strategy_ctx *ctx);
	/* Return when all work is done; NULL: run() did all of it. */
	void (*wait)(struct strategy_ctx *ctx);
};

#define STRATEGY_CONCAT_(a, b) a##b
#define STRATEGY_CONCAT(a, b) STRATEGY_CONCAT_(a, b)
#define STRATEGY(ops) \
	static const struct strategy *const STRATEGY_CONCAT(strategy_ptr_, __LINE__) \
		__attribute__((used, section("strategies"), aligned(8))) = &(ops)

/*
 * The unit of work every strategy schedules: initialize [start_pfn,
 * end_pfn) of @node and hand its free pages to the buddy allocator, timed
 * and logged as spans of the calling CPU. Chunks must start and end on
 * MAX_ORDER_NR_PAGES boundaries (or the span's ends) so that every
 * strategy builds the same buddy blocks.
 */
void strategy_init_chunk(struct strategy_ctx *ctx, int node, uint64_t start_pfn, uint64_t end_pfn);

/* The strategy chosen on the command line (default "bsp"). */
const struct strategy *strategy_selected(void);

#endif
