// SPDX-License-Identifier: MIT
/*
 * migrate - node-migrated synchronous init: node after node, as bsp, but
 * each node's struct pages are written by a CPU of the node they live on
 * (a cross-call, and the boot CPU halts until it returns), so every write
 * is local. Deterministic and simple; it wins over bsp wherever remote
 * memory is slower (numa.model=slit shows how much), and loses to xcall
 * wherever nodes could work at once. Where the struct pages live is the
 * node's map_node: its own node, unless its mem_map had to be placed
 * elsewhere (@result's memmap_node and writers_local say so). A node of
 * memory without CPUs is written by the CPU nearest to it by SLIT distance
 * (from the CPU's node to the memory's); the boot CPU writes its own node.
 */
#include "smp/smp.h"
#include "strategies/strategy.h"

/*
 * The boot CPU for its own node, else the first online CPU of the node
 * nearest to memory node @node: by distance[CPU's node][@node], what the
 * NUMA model charges, so an unreachable node's CPUs come last.
 */
static unsigned cpu_near(const struct strategy_ctx *ctx, int node)
{
	int order[MAX_NODES];
	unsigned count = numa_nodes_nearest_to(ctx->mm->topo, node, order);

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
 * Each node is one chunk that one CPU claims: the engine's cross-call,
 * bounded wait and rescue serve here too, so a CPU that does not answer
 * costs a timeout, not the boot.
 */
static void migrate_run(struct strategy_ctx *ctx)
{
	struct engine *e = &ctx->engine;

	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];

		engine_job_fixed(e, (int)n, nm->start_pfn, nm->end_pfn, 0);
	}
	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];

		if (nm->end_pfn <= nm->start_pfn)
			continue;
		engine_plan_clear(e);
		engine_plan_node(e, cpu_near(ctx, nm->map_node), n);
		engine_start(e, true);
	}
}

static const struct strategy migrate = {
	.name = "migrate",
	.help = "one node at a time, each written by a CPU of the node its struct pages live on",
	.run = migrate_run,
};
STRATEGY(migrate);
