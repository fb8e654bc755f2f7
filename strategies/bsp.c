// SPDX-License-Identifier: MIT
/*
 * bsp - the baseline: the boot CPU writes every node's struct pages itself,
 * node after node, and hands them to the buddy allocator. What Linux did
 * before deferred init, and what SGI's 16 TiB machine took over an hour
 * for: one CPU, mostly remote memory. It wins only on one-node machines,
 * where there is nobody to share the work with.
 */
#include "smp/percpu.h"
#include "strategies/strategy.h"

/* Each node one chunk, in node order, all planned on this CPU: no cross-call. */
static void bsp_run(struct strategy_ctx *ctx)
{
	struct engine *e = &ctx->engine;

	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];

		engine_job_fixed(e, (int)n, nm->start_pfn, nm->end_pfn, 0);
		if (nm->end_pfn > nm->start_pfn)
			engine_plan_node(e, smp_processor_id(), n);
	}
	engine_work(e);
}

static const struct strategy bsp = {
	.name = "bsp",
	.help = "the boot CPU initializes every node serially (the baseline)",
	.run = bsp_run,
};
STRATEGY(bsp);
