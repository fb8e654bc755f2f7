// SPDX-License-Identifier: MIT
/*
 * xcall - per-node parallel init through cross-calls: every node at once,
 * each node's span cut into MAX_ORDER-aligned chunks (strategies/engine.h)
 * that its own CPUs claim, the boot CPU working on its node too and then
 * halting until the last worker wakes it. Nodes without CPUs are claimed
 * by the nearest nodes' CPUs. With stealing, a CPU whose nodes are done
 * helps the others (remote writes, better balance). It wins whenever there
 * is more than one CPU: done = the slowest node's share of the work.
 */
#include "init/format.h"
#include "init/params.h"
#include "smp/percpu.h"
#include "strategies/strategy.h"

static unsigned max_threads_per_node; /* 0: all CPUs of each node */
static bool steal = true;

PARAM_UINT("strategy.threads", max_threads_per_node, 1, MAX_CPUS,
	   "xcall: at most N CPUs per node write its mem_map (default: all)");
PARAM_BOOL("strategy.steal", steal, "xcall: a CPU whose nodes are done helps the others (default on)");

/* The first max_threads_per_node online CPUs of each node, the boot CPU first on its own. */
static void pick_workers(struct cpumask *workers)
{
	unsigned taken[MAX_NODES] = { 0 };
	unsigned self = smp_processor_id();

	*workers = (struct cpumask){ { 0 } };
	cpumask_set(workers, self);
	taken[cpu_node(self)]++;
	for_each_cpu_in(cpu, &cpu_online_mask) {
		int node = cpu_node(cpu);

		if (cpu == self || (max_threads_per_node && taken[node] >= max_threads_per_node))
			continue;
		cpumask_set(workers, cpu);
		taken[node]++;
	}
}

static void xcall_run(struct strategy_ctx *ctx)
{
	struct cpumask workers;

	pick_workers(&workers);
	engine_plan(&ctx->engine, &workers, steal);
	engine_jobs_sized(&ctx->engine, MAX_ORDER_NR_PAGES, 0);
	ctx->parallel_cpus = cpumask_weight(&workers);
	if (max_threads_per_node)
		ksnprintf(ctx->params, sizeof(ctx->params), "threads=%u steal=%s cpus=%u",
			  max_threads_per_node, steal ? "on" : "off", ctx->parallel_cpus);
	else
		ksnprintf(ctx->params, sizeof(ctx->params), "threads=all steal=%s cpus=%u",
			  steal ? "on" : "off", ctx->parallel_cpus);
	engine_start(&ctx->engine, true);
}

static const struct strategy xcall = {
	.name = "xcall",
	.help = "all nodes at once, each by its own CPUs claiming aligned chunks (the boot CPU helps)",
	.run = xcall_run,
};
STRATEGY(xcall);
