// SPDX-License-Identifier: MIT
/*
 * The worker CPUs of the chunked strategies: sending them work, waiting
 * for them without spinning, and what happens when one never comes back.
 *
 * A worker that stops answering (a dead vCPU, a hung host thread, or
 * debug.stall_cpu / debug.dead_cpu) must not hang the boot nor lose pages:
 * after strategy_timeout_ns() the waiter names it in an @error, takes it
 * offline so nothing is sent to it again, and does its work. A chunk the
 * worker claimed but never started is written again here; one it was
 * inside of cannot be (part of it may be in the buddy allocator already,
 * and writing it twice would corrupt the free lists), so it is reported
 * and left to verification, which then names the pages.
 */
#include "arch/x86_64/tsc.h"
#include "init/debug.h"
#include "init/params.h"
#include "init/record.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "strategies/strategy.h"

#define TIMEOUT_BASE_NS 10000000000ull
#define TIMEOUT_NS_PER_PAGE 1000ull

static unsigned long long timeout_ms; /* 0: the default bound */

static const char *set_timeout(const char *value)
{
	if (!param_parse_u64_in(value, 1, 3600000, &timeout_ms))
		return "expected milliseconds, 1-3600000";
	return NULL;
}
PARAM("strategy.timeout_ms", set_timeout,
      "give up on a worker CPU after this long, and do its work elsewhere (default 10 s + 1 us per page)");

uint64_t strategy_timeout_ns(const struct strategy_ctx *ctx)
{
	return timeout_ms ? timeout_ms * 1000000ull : TIMEOUT_BASE_NS + ctx->span_pages * TIMEOUT_NS_PER_PAGE;
}

void strategy_work(struct strategy_ctx *ctx)
{
	unsigned cpu = smp_processor_id();
	struct chunk_claim *claim = &ctx->claims[cpu];
	uint64_t s, e;

	for (unsigned i = 0; i < ctx->plan.count[cpu]; i++) {
		struct memmap_job *j = &ctx->jobs[ctx->plan.order[cpu][i]];

		while (memmap_job_claim(j, &s, &e)) {
			claim->node = j->node;
			claim->start = s;
			claim->end = e;
			claim->started = false;
			debug_stall_if_asked(cpu); /* with the chunk claimed, untouched */
			claim->started = true;
			strategy_init_chunk(ctx, j->node, s, e, ctx->fill ? STRATEGY_FILL : "memmap_init");
			claim->end = claim->start;
		}
	}
	strategy_flush(ctx);
}

static void strategy_work_fn(void *arg)
{
	struct strategy_ctx *ctx = arg;
	unsigned cpu = smp_processor_id();

	cpumask_set_atomic(&ctx->answered, cpu);
	strategy_work(ctx);
	cpumask_set_atomic(&ctx->returned, cpu);
	complete(&ctx->workers_left);
}

void strategy_start_workers(struct strategy_ctx *ctx, bool wait)
{
	unsigned self = smp_processor_id();
	struct cpumask others = ctx->plan.workers;

	cpumask_clear(&others, self);
	completion_init(&ctx->workers_left, (int)cpumask_weight(&others));
	smp_call_many(&others, strategy_work_fn, ctx, false);
	if (cpumask_test(&ctx->plan.workers, self))
		strategy_work(ctx);
	if (wait)
		strategy_wait_workers(ctx);
}

/* Give up on @cpu: say so, never send it work again, and plan its nodes here. Returns its claim. */
static struct chunk_claim give_up(struct strategy_ctx *ctx, unsigned cpu, unsigned self)
{
	struct chunk_claim claim = ctx->claims[cpu];
	unsigned long long ms = strategy_timeout_ns(ctx) / 1000000;

	cpumask_clear_atomic(&cpu_online_mask, cpu);
	if (!cpumask_test(&ctx->answered, cpu))
		record_errorf("worker cpu", "taken offline; its work done by the other CPUs",
			      "cpu %u did not answer the cross-call within %llu ms", cpu, ms);
	else
		record_errorf("worker cpu", "taken offline; its work done by the other CPUs",
			      "cpu %u stopped working on node %d and did not return within %llu ms", cpu,
			      claim.node, ms);
	for (unsigned i = 0; i < ctx->plan.count[cpu]; i++)
		strategy_plan_node(&ctx->plan, self, ctx->plan.order[cpu][i]);
	return claim;
}

bool strategy_wait_workers(struct strategy_ctx *ctx)
{
	unsigned self = smp_processor_id();
	int lost = 0;

	if (wait_for_completion_timeout(&ctx->workers_left, strategy_timeout_ns(ctx)))
		return true;
	for_each_cpu_in(cpu, &ctx->plan.workers) {
		struct chunk_claim claim;

		if (cpu == self || cpumask_test(&ctx->returned, cpu))
			continue;
		claim = give_up(ctx, cpu, self);
		lost++;
		if (claim.end == claim.start)
			continue;
		if (claim.started)
			record_errorf("worker cpu", "left to verification",
				      "cpu %u stopped inside pfns [%#llx, %#llx) of node %d", cpu,
				      (unsigned long long)claim.start, (unsigned long long)claim.end, claim.node);
		else
			strategy_init_chunk(ctx, claim.node, claim.start, claim.end, "memmap_init");
	}
	strategy_work(ctx); /* what the lost CPUs had not claimed yet */
	completion_add(&ctx->workers_left, -lost);
	/* The workers still out were alive a moment ago: give them one more bound. */
	return wait_for_completion_timeout(&ctx->workers_left, strategy_timeout_ns(ctx));
}
