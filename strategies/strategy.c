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

/*
 * The default: xcall, the fastest strategy that is done when it returns.
 * Measured on the default 2-node machine (README, "Kernel command line").
 */
#define DEFAULT_STRATEGY "xcall"
#define ROUNDS_DEFAULT 5
#define ROUNDS_MAX 64

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
      "how the mem_map is initialized: bsp | migrate | xcall (default) | async | all (benchmark)");

static const char *set_rounds(const char *value)
{
	unsigned long long r;

	if (!param_parse_u64_in(value, 1, ROUNDS_MAX, &r))
		return "expected a number of rounds from 1 to 64";
	rounds = (unsigned)r;
	return NULL;
}
PARAM("strategy.rounds", set_rounds, "strategy=all: warm rounds of every strategy (default 5)");

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

int cpu_node(unsigned cpu)
{
	return cpu_area[cpu] ? cpu_area[cpu]->node : 0;
}

/* ---- per run ---- */

/* About 24 groups per CPU even when one CPU does everything: ~50 spans a run at most. */
#define GROUPS_PER_RUN 24

void strategy_ctx_reset(struct strategy_ctx *ctx)
{
	struct memmap *mm = ctx->mm;
	struct buddy *b = ctx->buddy;

	memset(ctx, 0, sizeof(*ctx));
	ctx->mm = mm;
	ctx->buddy = b;
	for (unsigned n = 0; n < mm->node_count; n++)
		ctx->span_pages += mm->nodes[n].end_pfn - mm->nodes[n].start_pfn;
	ctx->group_pages = ctx->span_pages / GROUPS_PER_RUN + 1;
	ctx->parallel_cpus = 1;
	completion_init(&ctx->workers_left, 0);
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
	uint64_t done = __atomic_add_fetch(&ctx->pages_done, pages, __ATOMIC_RELAXED);
	unsigned slot = (unsigned)(done * (FREE_SAMPLES_MAX - 1) / (ctx->span_pages ? ctx->span_pages : 1));
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
			 const char *what)
{
	struct chunk_group *g = &ctx->groups[smp_processor_id()];
	bool fill = strcmp(what, STRATEGY_FILL) == 0;
	uint64_t t0, t1, t2;

	if (g->chunks && (g->node != node || strcmp(g->what, what) != 0 || g->pages >= ctx->group_pages))
		strategy_flush(ctx);
	t0 = time_ns();
	if (fill) { /* the physical limit: the same bytes, no layout, no hand-off */
		memmap_fill_raw(ctx->mm, node, start_pfn, end_pfn);
		t1 = t2 = time_ns();
	} else {
		memmap_init_range(ctx->mm, node, start_pfn, end_pfn);
		t1 = time_ns();
		memmap_free_range(ctx->buddy, node, start_pfn, end_pfn);
		t2 = time_ns();
	}
	if (!g->chunks) {
		g->what = what;
		g->node = node;
		g->start_ns = t0;
	}
	g->chunks++;
	g->end_ns = t2;
	g->pages += end_pfn - start_pfn;
	g->write_ns += t1 - t0;
	g->buddy_ns += t2 - t1;
	atomic_min(&ctx->nodes[node].start_ns, t0);
	atomic_max(&ctx->nodes[node].end_ns, t2);
	__atomic_or_fetch(&ctx->nodes[node].cpus.bits[smp_processor_id() / 64],
			  1ull << (smp_processor_id() % 64), __ATOMIC_RELAXED);
	if (!fill)
		sample_free_memory(ctx, end_pfn - start_pfn, t2);
}

/*
 * The model: writing a node's mem_map from a CPU at SLIT distance d costs
 * d / 10 times the local time, so after t ns of remote writing the CPU
 * waits t * (d - 10) / 10 more, halted (a spinning vCPU would steal a host
 * core from the others). Emulators have no memory latency of their own.
 */
static uint64_t numa_model_wait(struct strategy_ctx *ctx, const struct chunk_group *g)
{
	int from = cpu_node(smp_processor_id()), to = ctx->mm->nodes[g->node].map_node;
	unsigned d = ctx->mm->topo->distance[from][to];
	uint64_t t0, t1, extra;

	/* Fills stay unmodelled: they are the emulator's store limit that efficiency divides by. */
	if (!numa_model_on() || d <= 10 || strcmp(g->what, STRATEGY_FILL) == 0)
		return g->end_ns;
	extra = g->write_ns * (d - 10) / 10;
	t0 = time_ns();
	sleep_ns(extra);
	t1 = time_ns();
	span_log(g->node, "numa_model", t0, t1, g->pages);
	return t1; /* the span's end is the node's: one clock reading for both */
}

void strategy_flush(struct strategy_ctx *ctx)
{
	struct chunk_group *g = &ctx->groups[smp_processor_id()];

	if (!g->chunks)
		return;
	span_log_group(g->node, g->what, g->start_ns, g->end_ns, g->pages, g->chunks, g->buddy_ns);
	atomic_max(&ctx->nodes[g->node].end_ns, numa_model_wait(ctx, g));
	memset(g, 0, sizeof(*g));
}

/* ---- chunked work: plans and jobs ---- */

static bool node_has_pages(const struct strategy_ctx *ctx, unsigned n)
{
	return ctx->mm->nodes[n].end_pfn > ctx->mm->nodes[n].start_pfn;
}

void strategy_plan_node(struct claim_plan *p, unsigned cpu, unsigned node)
{
	for (unsigned i = 0; i < p->count[cpu]; i++)
		if (p->order[cpu][i] == node)
			return;
	p->order[cpu][p->count[cpu]++] = (uint8_t)node;
}

void strategy_plan_all(struct strategy_ctx *ctx, unsigned cpu)
{
	int order[MAX_NODES];
	unsigned count = numa_nodes_by_distance(ctx->mm->topo, cpu_node(cpu), order);

	for (unsigned i = 0; i < count; i++)
		if (node_has_pages(ctx, (unsigned)order[i]))
			strategy_plan_node(&ctx->plan, cpu, (unsigned)order[i]);
}

void strategy_plan(struct strategy_ctx *ctx, const struct cpumask *workers, bool steal)
{
	const struct numa_topology *topo = ctx->mm->topo;
	struct claim_plan *p = &ctx->plan;
	bool has_worker[MAX_NODES] = { false };
	int adopter[MAX_NODES], order[MAX_NODES];

	/* Only the counts: order[cpu][i] is read below count[cpu] alone (16 KiB not cleared in the timed run). */
	memset(p->count, 0, sizeof(p->count));
	p->workers = *workers;
	for_each_cpu_in(cpu, workers)
		has_worker[cpu_node(cpu)] = true;
	/* A node nobody works on goes to the nearest node somebody works on. */
	for (unsigned n = 0; n < topo->node_count; n++) {
		unsigned count = numa_nodes_by_distance(topo, (int)n, order);

		adopter[n] = -1;
		for (unsigned i = 0; i < count && adopter[n] < 0; i++)
			if (has_worker[order[i]])
				adopter[n] = order[i];
	}
	for_each_cpu_in(cpu, workers) {
		int home = cpu_node(cpu);
		unsigned count = numa_nodes_by_distance(topo, home, order);

		for (unsigned i = 0; i < count; i++)
			if (node_has_pages(ctx, (unsigned)order[i]) && adopter[order[i]] == home)
				strategy_plan_node(p, cpu, (unsigned)order[i]);
		if (steal)
			strategy_plan_all(ctx, cpu);
	}
}

/* The CPUs a node's job is sized for: its own workers, else every CPU that plans to claim from it. */
static unsigned node_threads(const struct strategy_ctx *ctx, unsigned node)
{
	unsigned own = 0, planned = 0;

	for_each_cpu_in(cpu, &ctx->plan.workers) {
		if (cpu_node(cpu) == (int)node)
			own++;
		for (unsigned i = 0; i < ctx->plan.count[cpu]; i++)
			if (ctx->plan.order[cpu][i] == node)
				planned++;
	}
	return own ? own : planned ? planned : 1;
}

void strategy_jobs_init(struct strategy_ctx *ctx, uint64_t min_chunk, unsigned max_threads)
{
	for (unsigned n = 0; n < ctx->mm->node_count; n++) {
		const struct node_memmap *nm = &ctx->mm->nodes[n];
		unsigned threads = max_threads ? max_threads : node_threads(ctx, n);

		memmap_job_init(&ctx->jobs[n], (int)n, nm->start_pfn, nm->end_pfn, MAX_ORDER_NR_PAGES,
				min_chunk, threads);
	}
}

/* ---- numa.model= ---- */

static bool model_slit;

static const char *set_numa_model(const char *value)
{
	static const char *const names[] = { "off", "slit" };
	int i = param_parse_choice(value, names, 2);

	if (i < 0)
		return "expected off or slit";
	model_slit = i == 1;
	/* Modelled time must never pass for measured time: label every record of this boot. */
	record_tag_all(model_slit ? "model" : NULL, "slit");
	return NULL;
}
PARAM("numa.model", set_numa_model,
      "off (default) | slit: add modelled remote-memory waits, SLIT distance / 10 times the write time");

bool numa_model_on(void)
{
	return model_slit;
}
