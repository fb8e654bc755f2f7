/* SPDX-License-Identifier: MIT */
/*
 * strategy - who initializes which part of the mem_map, where and when.
 *
 * A strategy only schedules: the per-page work is memmap_init_range() and
 * the hand-off is memmap_free_range() (mm/), the same for every strategy,
 * so all of them leave the same mem_map behind. Each strategy is one file
 * with an ops struct registered by STRATEGY(); `strategy=NAME` picks one,
 * `strategy=all` runs them all in rounds (init/bench.c).
 *
 * What the strategies share lives here, once: the unit of work
 * (strategy_init_chunk), chunked jobs per node that CPUs claim
 * (strategies/job.h), the plan of which CPU claims from which nodes, the
 * span coalescing, the free-memory samples and the NUMA cost model.
 */
#ifndef MEMINIT_STRATEGIES_STRATEGY_H
#define MEMINIT_STRATEGIES_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "smp/cpumask.h"
#include "smp/wait.h"
#include "strategies/job.h"

#define FREE_SAMPLES_MAX 64

struct strategy_node_result {
	uint64_t start_ns, end_ns; /* first work began, last work ended, on any CPU */
	struct cpumask cpus;       /* CPUs that worked on this node */
};

/*
 * Consecutive chunks of one CPU on one node, reported as one @span: a
 * 64 GiB async run is 512 chunks, and a console line costs ~10 us per
 * byte-burst under emulation. The group ends when the node or the kind of
 * work changes, or it has grown past group_pages.
 */
struct chunk_group {
	const char *what;
	int node;
	unsigned chunks;
	uint64_t start_ns, end_ns, pages;
	uint64_t write_ns;  /* in memmap_init_range: what the NUMA model scales */
	uint64_t buddy_ns;  /* in memmap_free_range */
};

/*
 * The chunk a worker holds: claimed, and whether it began writing it. A
 * worker that stops answering with a chunk it never started loses nothing:
 * the rescue writes that chunk (workers.c).
 */
struct chunk_claim {
	volatile int node;
	volatile uint64_t start, end; /* end == start: none in hand */
	volatile bool started;
};

/* For each worker CPU, the nodes it claims chunks from, in order. */
struct claim_plan {
	struct cpumask workers;
	uint8_t order[MAX_CPUS][MAX_NODES];
	uint8_t count[MAX_CPUS];
};

struct strategy_ctx {
	struct memmap *mm;
	struct buddy *buddy;
	uint64_t start_ns;  /* when the strategy was called */
	uint64_t usable_ns; /* the boot could go on (set by run, or by the framework when run returns) */
	uint64_t done_ns;   /* every page initialized and in the buddy allocator */
	struct strategy_node_result nodes[MAX_NODES];
	char params[96];          /* the strategy's effective settings, for @result */
	bool fill;                /* strategy_work streams raw bytes (STRATEGY_FILL), init/bench.c */
	unsigned parallel_cpus;   /* the most CPUs that wrote struct pages at once */

	/* Chunked strategies: one job per node, a plan, and the workers still at it. */
	struct memmap_job jobs[MAX_NODES];
	struct claim_plan plan;
	struct completion workers_left;
	struct chunk_claim claims[MAX_CPUS]; /* each worker's chunk in hand */
	struct cpumask answered;  /* workers that started (ran the cross-call) */
	struct cpumask returned;  /* workers that finished and came back */

	/* async */
	uint64_t boot_budget_pages;
	volatile unsigned grow_events;

	/* [ns, free pages] as memory arrives. */
	uint64_t samples[FREE_SAMPLES_MAX][2];
	volatile unsigned nr_samples, sample_slot;
	volatile uint64_t pages_done;
	uint64_t span_pages;      /* of all nodes: the samples' and the groups' yardstick */

	uint64_t group_pages;
	struct chunk_group groups[MAX_CPUS];
};

struct strategy {
	const char *name;
	const char *help; /* one line: what it does and when it wins */
	/* Start the work; return when the boot may go on. */
	void (*run)(struct strategy_ctx *ctx);
	/* Return when all work is done; NULL: run() did all of it. False: it gave up waiting. */
	bool (*wait)(struct strategy_ctx *ctx);
};

#define STRATEGY_CONCAT_(a, b) a##b
#define STRATEGY_CONCAT(a, b) STRATEGY_CONCAT_(a, b)
#define STRATEGY(ops) \
	static const struct strategy *const STRATEGY_CONCAT(strategy_ptr_, __LINE__) \
		__attribute__((used, section("strategies"), aligned(8))) = &(ops)

/* Registered strategies, in link order (bsp, migrate, xcall, async). */
extern const struct strategy *const __start_strategies[], *const __stop_strategies[];
#define for_each_strategy(s) \
	for (const struct strategy *const *s = __start_strategies; s < __stop_strategies; s++)

/* The strategy chosen on the command line; NULL for strategy=all. */
const struct strategy *strategy_selected(void);
const struct strategy *strategy_default(void);
const struct strategy *strategy_find(const char *name);
unsigned strategy_rounds(void); /* strategy.rounds= */

/* Empty the per-run state of @ctx (the mem_map and buddy pointers stay). */
void strategy_ctx_reset(struct strategy_ctx *ctx);

/* The kind of work that only streams bytes: the same-boot fill limit of strategy=all. */
#define STRATEGY_FILL "fill"

/*
 * The unit of work every strategy schedules: initialize [start_pfn,
 * end_pfn) of @node and hand its free pages to the buddy allocator, timed
 * into the calling CPU's span group (@what: "memmap_init" or "grow").
 * Chunks must start and end on MAX_ORDER_NR_PAGES boundaries (or the
 * span's ends) so that every strategy builds the same buddy blocks.
 */
void strategy_init_chunk(struct strategy_ctx *ctx, int node, uint64_t start_pfn, uint64_t end_pfn,
			 const char *what);
/* Close the calling CPU's span group: its @span, and the NUMA model's wait if it wrote remotely. */
void strategy_flush(struct strategy_ctx *ctx);

/*
 * strategy_plan - which nodes each CPU of @workers claims from: its own
 * node first; then the nodes without a worker for which its node is the
 * nearest with one (CPU-less nodes, or a node whose only CPU sits out);
 * then, with @steal, every other node by distance.
 */
void strategy_plan(struct strategy_ctx *ctx, const struct cpumask *workers, bool steal);
/* Let @cpu claim from every node with pages, nearest first (after what it has planned). */
void strategy_plan_all(struct strategy_ctx *ctx, unsigned cpu);
/* Let @cpu claim from @node too (after what it has planned; once). */
void strategy_plan_node(struct claim_plan *p, unsigned cpu, unsigned node);
/* One job per node with a span, chunks sized for its planned CPUs, or @max_threads if nonzero (job.h). */
void strategy_jobs_init(struct strategy_ctx *ctx, uint64_t min_chunk, unsigned max_threads);
/* On a CPU of the plan: claim and do chunks until its nodes have none left, then flush. */
void strategy_work(struct strategy_ctx *ctx);
/*
 * Send strategy_work to every planned CPU but this one (workers_left
 * counts them), work here too if this CPU is planned, and with @wait
 * strategy_wait_workers().
 */
void strategy_start_workers(struct strategy_ctx *ctx, bool wait);
/*
 * Halt until every worker has returned, at most strategy_timeout_ns(). A
 * worker still out then is named in an @error, taken offline, and its work
 * (the nodes it planned, the chunk it held but never started) is done
 * here (the @error says so; the result is checked as usual). False if
 * workers are still out even after that.
 */
bool strategy_wait_workers(struct strategy_ctx *ctx);
/* strategy.timeout_ms, or 10 s plus 1 us per page: 30-100x what any emulator needs. */
uint64_t strategy_timeout_ns(const struct strategy_ctx *ctx);

/* The node of a CPU by id. */
int cpu_node(unsigned cpu);

/* ---- the NUMA cost model (numa.model=slit) ---- */

/* True when modelled waits are on: every record then carries "model": "slit". */
bool numa_model_on(void);

#endif
