// SPDX-License-Identifier: MIT
/*
 * async - deferred init, as Linux does it since 2015, without its failure
 * modes. The boot CPU initializes a small budget at the start of every
 * node (strategy.async_boot_mb) and the boot goes on (usable_ns) while the
 * other CPUs initialize the rest in 128 MiB chunks, each handed to the
 * buddy allocator as soon as it is written. It wins when what matters is
 * how soon the boot can go on, not when the last page arrives.
 *
 * Linux's failure mode was an allocation failing while deferred memory
 * still waited (a large early allocation, or one on a node whose pages
 * had not come yet). Here an allocation that would fail grows the node it
 * wants: it claims the node's next chunk from the same job the background
 * CPUs claim from (so no pfn is written twice), writes it at once, and
 * retries; it fails only when no deferred memory is left anywhere. The
 * allocator's fast path never asks whether a page is initialized: growth
 * is reached only through its failure path (buddy.h, grow).
 */
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/params.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "strategies/strategy.h"

#define ASYNC_CHUNK_PAGES ((128ull << 20) / PAGE_SIZE) /* a Linux memory section: ~1 ms to grow */
#define BOOT_MB_DEFAULT 128

#define BOOT_MB_MAX (1ull << 30) /* a PiB per node: more than any span */

static uint64_t boot_mb = BOOT_MB_DEFAULT;
PARAM_U64("strategy.async_boot_mb", boot_mb, 0, BOOT_MB_MAX,
	  "async: MiB at the start of each node initialized before the boot goes on (default 128)");

/* async's own part of a run. */
struct async_run {
	uint64_t boot_budget_pages;  /* initialized before the boot went on */
	volatile unsigned grow_events;
};

/*
 * Two, used in turn: a run's @result may be reported after the next run has
 * begun (mem.late_node's online run comes before the verification of the
 * run it completes), and must still find its own figures.
 */
static struct async_run async_states[2];
static unsigned async_next;

/* Initialize @node's next deferred chunk on this CPU. False: none left to claim. */
static bool grow_node(struct strategy_ctx *ctx, int node)
{
	if (!engine_work_one(&ctx->engine, node, WORK_GROW))
		return false;
	__atomic_add_fetch(&((struct async_run *)ctx->priv)->grow_events, 1, __ATOMIC_RELAXED);
	return true;
}

/*
 * The buddy allocator's growth hook, called only when an allocation is
 * about to fail: grow @node; for node -1 ("all nodes are empty"), grow any
 * node, or wait for the chunks other CPUs are still writing.
 */
static bool async_grow(void *cookie, int node)
{
	struct strategy_ctx *ctx = cookie;

	if (node >= 0)
		return grow_node(ctx, node);
	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		if (grow_node(ctx, (int)n))
			return true;
	if (engine_workers_back(&ctx->engine))
		return false;
	return wait_for_completion_timeout(&ctx->engine.workers_left, strategy_timeout_ns(ctx));
}

static void async_run(struct strategy_ctx *ctx)
{
	struct engine *e = &ctx->engine;
	struct cpumask workers = cpu_online_mask;
	/* A late node needs no budget: the boot it would let go on is long over (strategy.h, hotplug). */
	uint64_t budget = ctx->hotplug ? 0 : boot_mb * ((1ull << 20) / PAGE_SIZE);
	uint64_t budget_end[MAX_NODES];
	struct async_run *state = &async_states[async_next++ % 2];

	*state = (struct async_run){ 0 };
	ctx->priv = state;
	/* Everything past each node's budget is deferred: one job per node, fixed-size chunks. */
	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];
		uint64_t end = (nm->start_pfn + budget + MAX_ORDER_NR_PAGES - 1) & ~(MAX_ORDER_NR_PAGES - 1);

		budget_end[n] = end < nm->end_pfn ? end : nm->end_pfn;
		if (budget_end[n] < nm->start_pfn)
			budget_end[n] = nm->start_pfn;
		state->boot_budget_pages += budget_end[n] - nm->start_pfn;
		engine_job_fixed(e, (int)n, budget_end[n], nm->end_pfn, ASYNC_CHUNK_PAGES);
	}
	/* The boot CPU goes on booting: the others do the background work. */
	cpumask_clear(&workers, smp_processor_id());
	engine_plan(e, &workers, true);
	ctx->parallel_cpus = cpumask_weight(&workers) + 1; /* the boot CPU joins in meminit_wait() */
	ksnprintf(ctx->params, sizeof(ctx->params), "boot_mb=%llu chunk_mb=%llu workers=%u",
		  (unsigned long long)boot_mb,
		  (unsigned long long)(ASYNC_CHUNK_PAGES * PAGE_SIZE >> 20), cpumask_weight(&workers));
	ctx->buddy->grow_cookie = ctx;
	ctx->buddy->grow = async_grow;
	engine_start(e, false);

	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		if (budget_end[n] > ctx->mm->nodes[n].start_pfn)
			strategy_init_chunk(ctx, (int)n, ctx->mm->nodes[n].start_pfn, budget_end[n], WORK_INIT);
	strategy_flush(ctx);
	ctx->usable_ns = time_ns();
}

/*
 * The completion barrier: the boot CPU takes what nobody has claimed yet
 * (all of it under nosmp), then halts until every background CPU is back
 * (or gives up on one and does its work: engine.h).
 */
static bool async_wait(struct strategy_ctx *ctx)
{
	bool ok;

	engine_plan_all(&ctx->engine, smp_processor_id());
	engine_work(&ctx->engine);
	ok = engine_wait(&ctx->engine);
	ctx->buddy->grow = NULL;
	return ok;
}

static void async_report(const struct strategy_ctx *ctx, struct record *r)
{
	const struct async_run *a = ctx->priv;

	rec_u64(r, "boot_budget_pages", a->boot_budget_pages);
	rec_u64(r, "grow_events", a->grow_events);
}

static const struct strategy async = {
	.name = "async",
	.help = "a budget per node now, the rest in the background on the other CPUs; allocations grow it",
	.run = async_run,
	.wait = async_wait,
	.report = async_report,
};
STRATEGY(async);
