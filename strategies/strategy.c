// SPDX-License-Identifier: MIT
/* The strategy registry and what every strategy shares (strategy.h). */
#include "strategies/strategy.h"

#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/params.h"
#include "init/record.h"
#include "init/span.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "strategies/numa_model.h"

/*
 * The default: xcall, the fastest strategy that is done when it returns.
 * Measured on the default 2-node machine (README, "Kernel command line").
 */
#define DEFAULT_STRATEGY "xcall"
#define ROUNDS_DEFAULT 5

static const char *chosen_name = DEFAULT_STRATEGY;
static unsigned rounds = ROUNDS_DEFAULT;

const struct strategy *strategy_find(const char *name)
{
	for_each_strategy(s)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

static const char *set_strategy(const char *value)
{
	static char names[200];
	size_t len = 0;

	if (value && (strategy_find(value) || strcmp(value, "all") == 0)) {
		chosen_name = strcmp(value, "all") == 0 ? "all" : strategy_find(value)->name;
		return NULL;
	}
	/* Say what was given and what exists: the registered names, in link order. */
	len += (size_t)ksnprintf(names, sizeof(names), "unknown strategy '%.40s'; registered:",
				 value ? value : "");
	for_each_strategy(s)
		if (len < sizeof(names))
			len += (size_t)ksnprintf(names + len, sizeof(names) - len, " %s", (*s)->name);
	if (len < sizeof(names))
		ksnprintf(names + len, sizeof(names) - len, " all");
	return names;
}
PARAM("strategy", set_strategy,
      "how the mem_map is initialized: bsp | migrate | xcall (default) | async | ondemand | overlap | all (benchmark)");

PARAM_UINT("strategy.rounds", rounds, 1, STRATEGY_ROUNDS_MAX,
	   "strategy=all: warm rounds of every strategy (default 5)");

const struct strategy *strategy_selected(void)
{
	return strategy_find(chosen_name);
}

const struct strategy *strategy_default(void)
{
	return strategy_find(DEFAULT_STRATEGY);
}

unsigned strategy_rounds(void)
{
	return rounds;
}

/* ---- strategy.timeout_ms ---- */

#define TIMEOUT_BASE_NS 10000000000ull
#define TIMEOUT_NS_PER_PAGE 1000ull

#define TIMEOUT_MAX_MS 3600000 /* an hour */

static uint64_t timeout_ms; /* 0: the default bound */
PARAM_U64("strategy.timeout_ms", timeout_ms, 1, TIMEOUT_MAX_MS,
	  "give up on a worker CPU after this many ms, and do its work elsewhere (default 10 s + 1 us per page)");

uint64_t strategy_timeout_ns(const struct strategy_ctx *ctx)
{
	return timeout_ms ? timeout_ms * 1000000ull : TIMEOUT_BASE_NS + ctx->present_pages * TIMEOUT_NS_PER_PAGE;
}

/* ---- per run ---- */

/* About 24 groups per CPU even when one CPU does everything: ~50 spans a run at most. */
#define GROUPS_PER_RUN 24

static void engine_write(struct engine *e, int node, uint64_t start, uint64_t end, enum work_kind kind)
{
	strategy_init_chunk((struct strategy_ctx *)e, node, start, end, kind);
}

static void engine_flush(struct engine *e)
{
	strategy_flush((struct strategy_ctx *)e);
}

static const struct engine_ops strategy_engine_ops = { .write = engine_write, .flush = engine_flush };

void strategy_run_begin(struct strategy_ctx *ctx, enum work_kind kind)
{
	struct memmap *mm = ctx->mm;
	struct buddy *b = ctx->buddy;

	/* Everything but the engine (which keeps its generation) and the pointers. */
	memset((char *)ctx + sizeof(ctx->engine), 0, sizeof(*ctx) - sizeof(ctx->engine));
	ctx->mm = mm;
	ctx->buddy = b;
	ctx->present_pages = memmap_present_pages(mm);
	ctx->group_pages = ctx->present_pages / GROUPS_PER_RUN + 1;
	ctx->parallel_cpus = 1;
	engine_begin_run(&ctx->engine, mm, &strategy_engine_ops, kind, strategy_timeout_ns(ctx));
	mm->generation = ctx->engine.generation;
}

bool strategy_run_account(const struct strategy_ctx *ctx)
{
	bool ok = engine_check_account(&ctx->engine);

	if (ctx->engine.kind != WORK_FILL && ctx->pages_written != ctx->present_pages) {
		record_errorf("engine", "result reported as failed",
			      "run %u wrote %llu of %llu struct pages", ctx->engine.generation,
			      (unsigned long long)ctx->pages_written, (unsigned long long)ctx->present_pages);
		ok = false;
	}
	return ok;
}
static void atomic_min(volatile uint64_t *v, uint64_t x)
{
	uint64_t cur = __atomic_load_n(v, __ATOMIC_RELAXED);

	while ((cur == 0 || x < cur) &&
	       !__atomic_compare_exchange_n(v, &cur, x, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void atomic_max(volatile uint64_t *v, uint64_t x)
{
	uint64_t cur = __atomic_load_n(v, __ATOMIC_RELAXED);

	while (x > cur &&
	       !__atomic_compare_exchange_n(v, &cur, x, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* A [ns, free pages] sample each time another 1/63 of the mem_map has arrived; the last is done_ns's. */
static void sample_free_memory(struct strategy_ctx *ctx, uint64_t pages, uint64_t now)
{
	uint64_t done = __atomic_add_fetch(&ctx->pages_written, pages, __ATOMIC_RELAXED);
	unsigned slot = (unsigned)(done * (FREE_SAMPLES_MAX - 1) / (ctx->present_pages ? ctx->present_pages : 1));
	unsigned prev = __atomic_load_n(&ctx->sample_slot, __ATOMIC_RELAXED);
	unsigned i;

	if (slot <= prev || !__atomic_compare_exchange_n(&ctx->sample_slot, &prev, slot, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	i = __atomic_fetch_add(&ctx->nr_samples, 1, __ATOMIC_RELAXED);
	if (i < FREE_SAMPLES_MAX - 1) {
		ctx->samples[i][0] = now; /* the chunk's end: never past done_ns */
		ctx->samples[i][1] = buddy_free_pages(ctx->buddy, -1);
	}
}

void strategy_init_chunk(struct strategy_ctx *ctx, int node, uint64_t start_pfn, uint64_t end_pfn,
			 enum work_kind kind)
{
	/* Struct pages the chunk has: none for a stretch of the span without RAM. */
	uint64_t pages = memmap_present_pages_in(ctx->mm, node, start_pfn, end_pfn);
	uint64_t t0, t1, t2;

	strategy_chunk_begin(ctx, node, kind);
	t0 = time_ns();
	if (kind == WORK_FILL) { /* the physical limit: the same bytes, no layout, no hand-off */
		memmap_fill_raw(ctx->mm, node, start_pfn, end_pfn);
		t1 = t2 = time_ns();
	} else {
		memmap_init_range(ctx->mm, node, start_pfn, end_pfn);
		t1 = time_ns();
		memmap_free_range(ctx->buddy, node, start_pfn, end_pfn);
		t2 = time_ns();
	}
	strategy_chunk_end(ctx, node, kind, t0, t1, t2, pages);
}

void strategy_chunk_begin(struct strategy_ctx *ctx, int node, enum work_kind kind)
{
	struct chunk_group *g = &ctx->groups[smp_processor_id()];

	if (g->chunks && (g->node != node || g->kind != kind || g->pages >= ctx->group_pages))
		strategy_flush(ctx);
}

void strategy_chunk_end(struct strategy_ctx *ctx, int node, enum work_kind kind, uint64_t t0, uint64_t t1,
			uint64_t t2, uint64_t pages)
{
	struct chunk_group *g = &ctx->groups[smp_processor_id()];

	if (!g->chunks) {
		g->kind = kind;
		g->node = node;
		g->start_ns = t0;
	}
	g->chunks++;
	g->end_ns = t2;
	g->pages += pages;
	g->write_ns += t1 - t0;
	g->buddy_ns += t2 - t1;
	atomic_min(&ctx->nodes[node].start_ns, t0);
	atomic_max(&ctx->nodes[node].end_ns, t2);
	__atomic_or_fetch(&ctx->nodes[node].cpus.bits[smp_processor_id() / 64],
			  1ull << (smp_processor_id() % 64), __ATOMIC_RELAXED);
	if (kind != WORK_FILL) {
		__atomic_add_fetch(&ctx->cpu_ns, t2 - t0, __ATOMIC_RELAXED);
		if (ctx->hotplug && smp_processor_id() == ctx->caller_cpu && !ctx->caller_back)
			ctx->caller_pages += pages; /* only the caller's CPU adds here */
		sample_free_memory(ctx, pages, t2);
	}
}

void strategy_flush(struct strategy_ctx *ctx)
{
	struct chunk_group *g = &ctx->groups[smp_processor_id()];

	if (!g->chunks)
		return;
	span_log_group(g->node, work_kind_name(g->kind), g->start_ns, g->end_ns, g->pages, g->chunks,
		       g->buddy_ns);
	atomic_max(&ctx->nodes[g->node].end_ns, numa_model_wait(ctx->mm, g));
	memset(g, 0, sizeof(*g));
}

