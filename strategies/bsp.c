// SPDX-License-Identifier: MIT
/*
 * bsp - the baseline: the boot CPU writes every node's struct pages itself,
 * node after node, and hands them to the buddy allocator. What Linux did
 * before deferred init, and what SGI's 16 TiB machine took over an hour
 * for: one CPU, mostly remote memory. It wins only on one-node machines,
 * where there is nobody to share the work with.
 */
#include "strategies/strategy.h"

static void bsp_run(struct strategy_ctx *ctx)
{
	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];

		if (nm->end_pfn > nm->start_pfn)
			strategy_init_chunk(ctx, (int)n, nm->start_pfn, nm->end_pfn, "memmap_init");
	}
	strategy_flush(ctx);
}

static const struct strategy bsp = {
	.name = "bsp",
	.help = "the boot CPU initializes every node serially (the baseline)",
	.run = bsp_run,
};
STRATEGY(bsp);
