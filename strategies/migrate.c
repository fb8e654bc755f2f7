// SPDX-License-Identifier: MIT
/*
 * migrate - node-migrated synchronous init: node after node, as bsp, but
 * each node's struct pages are written by a CPU of that node (a
 * cross-call, and the boot CPU halts until it returns), so every write is
 * local. Deterministic and simple; it wins over bsp wherever remote memory
 * is slower (numa.model=slit shows how much), and loses to xcall wherever
 * nodes could work at once. A node without CPUs is done by the nearest CPU
 * by SLIT distance; the boot CPU does its own node itself.
 */
#include "arch/x86_64/string.h"
#include "smp/smp.h"
#include "strategies/strategy.h"

/* The boot CPU for its own node, else the first online CPU of the nearest node that has one. */
static unsigned cpu_for_node(const struct strategy_ctx *ctx, int node)
{
	int order[MAX_NODES];
	unsigned count = numa_nodes_by_distance(ctx->mm->topo, node, order);

	for (unsigned i = 0; i < count; i++) {
		if (cpu_node(smp_processor_id()) == order[i])
			return smp_processor_id();
		for_each_cpu_in(cpu, &cpu_online_mask)
			if (cpu_node(cpu) == order[i])
				return cpu;
	}
	return smp_processor_id();
}

/*
 * Each node is one chunk that one CPU claims: the chunked machinery's
 * cross-call, bounded wait and rescue (workers.c) serve here too, so a CPU
 * that does not answer costs a timeout, not the boot.
 */
static void migrate_run(struct strategy_ctx *ctx)
{
	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];
		unsigned cpu = cpu_for_node(ctx, (int)n);
		struct cpumask one = { { 0 } };

		if (nm->end_pfn <= nm->start_pfn)
			continue;
		memmap_job_init(&ctx->jobs[n], (int)n, nm->start_pfn, nm->end_pfn, MAX_ORDER_NR_PAGES,
				nm->end_pfn - nm->start_pfn + MAX_ORDER_NR_PAGES, 1);
		cpumask_set(&one, cpu);
		ctx->plan.workers = one;
		memset(ctx->plan.count, 0, sizeof(ctx->plan.count));
		strategy_plan_node(&ctx->plan, cpu, n);
		strategy_start_workers(ctx, true);
	}
}

static const struct strategy migrate = {
	.name = "migrate",
	.help = "one node at a time, each written by a CPU of that node (nearest CPU if it has none)",
	.run = migrate_run,
};
STRATEGY(migrate);
