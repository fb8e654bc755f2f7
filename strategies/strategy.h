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
 * What the strategies share lives here, once: the registry, the unit of
 * work (strategy_init_chunk, timed into @span groups), the free-memory
 * samples and the run's context. Who writes which chunk on which CPU, and
 * what happens when a CPU does not come back, is the work engine's
 * (strategies/engine.h); the NUMA cost model is strategies/numa_model.h.
 */
#ifndef MEMINIT_STRATEGIES_STRATEGY_H
#define MEMINIT_STRATEGIES_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "init/record.h"
#include "mm/buddy.h"
#include "mm/memmap.h"
#include "smp/cpumask.h"
#include "strategies/engine.h"

#define FREE_SAMPLES_MAX 64
/* strategy.rounds: the most warm rounds of strategy=all (init/bench.c sizes its arrays by it). */
#define STRATEGY_ROUNDS_MAX 64

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
	enum work_kind kind;
	int node;
	unsigned chunks;
	uint64_t start_ns, end_ns, pages;
	uint64_t write_ns;  /* in memmap_init_range: what the NUMA model scales */
	uint64_t buddy_ns;  /* in memmap_free_range */
};

struct strategy;
struct smp_wake_work;

/* One run of one strategy: what every strategy shares. */
struct strategy_ctx {
	struct engine engine;     /* first: the engine's callbacks find the run from it */
	struct memmap *mm;
	struct buddy *buddy;
	uint64_t start_ns;  /* when the strategy was called */
	uint64_t usable_ns; /* the boot could go on: run() returned (or said so earlier) */
	uint64_t done_ns;   /* every page initialized and in the buddy allocator */
	struct strategy_node_result nodes[MAX_NODES];
	char params[96];          /* the strategy's effective settings, for @result */
	unsigned parallel_cpus;   /* the most CPUs that wrote struct pages at once */
	void *priv;               /* the running strategy's own state (async's budget), or NULL */
	bool account_ok;          /* every chunk and page written exactly once (strategy_run_account) */
	/*
	 * A node brought online after boot (mem.late_node): the rest of the
	 * machine already has memory, so nothing needs to be there before run() returns.
	 */
	bool hotplug;
	/* Under hotplug: struct pages the caller's CPU wrote before run() returned (@late_node's caller_pages). */
	unsigned caller_cpu;
	volatile bool caller_back;
	volatile uint64_t caller_pages;

	/* [ns, free pages] as memory arrives. */
	uint64_t samples[FREE_SAMPLES_MAX][2];
	volatile unsigned nr_samples, sample_slot;
	volatile uint64_t pages_written; /* struct pages initialized by this run (fills not counted) */
	/*
	 * CPU time inside chunks, summed over CPUs (writes and hand-off): what
	 * energy is proportional to on a real machine. Halted waits and the
	 * NUMA model's added wait are not in it.
	 */
	volatile uint64_t cpu_ns;
	uint64_t present_pages;   /* struct pages of all nodes (present sections): the samples' and the groups' yardstick */

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
	/* Its own fields of @result (NULL: none). */
	void (*report)(const struct strategy_ctx *ctx, struct record *r);
	/*
	 * NULL, or: begin the boot's run before the APs wake (the mem_map is
	 * laid out, the run begun); return the work smp_boot_wake() gives the
	 * waking CPUs. run() is then called after smp_boot, to finish it.
	 */
	const struct smp_wake_work *(*early)(struct strategy_ctx *ctx);
};

#define STRATEGY_CONCAT_(a, b) a##b
#define STRATEGY_CONCAT(a, b) STRATEGY_CONCAT_(a, b)
#define STRATEGY(ops) \
	static const struct strategy *const STRATEGY_CONCAT(strategy_ptr_, __LINE__) \
		__attribute__((used, section("strategies"), aligned(8))) = &(ops)

/* Registered strategies, in link order (bsp, migrate, xcall, async, overlap). */
extern const struct strategy *const __start_strategies[], *const __stop_strategies[];
#define for_each_strategy(s) \
	for (const struct strategy *const *s = __start_strategies; s < __stop_strategies; s++)

/* The strategy chosen on the command line; NULL for strategy=all. */
const struct strategy *strategy_selected(void);
const struct strategy *strategy_default(void);
const struct strategy *strategy_find(const char *name);
unsigned strategy_rounds(void); /* strategy.rounds= */

/*
 * Start a run on @ctx (the mem_map and buddy pointers stay): the per-run
 * state emptied, a new engine run whose claimed chunks are @kind, and a
 * new mem_map generation, so verification proves this run wrote every page.
 */
void strategy_run_begin(struct strategy_ctx *ctx, enum work_kind kind);
/*
 * After the run's last wait: every page written exactly once? The engine's
 * chunk account and the pages written; an @error naming the run if not.
 */
bool strategy_run_account(const struct strategy_ctx *ctx);

/*
 * The unit of work every strategy schedules: initialize [start_pfn,
 * end_pfn) of @node and hand its free pages to the buddy allocator (or,
 * for WORK_FILL, only stream its bytes), timed into the calling CPU's span
 * group. Chunks must start and end on MAX_ORDER_NR_PAGES boundaries (or
 * the span's ends) so that every strategy builds the same buddy blocks.
 */
void strategy_init_chunk(struct strategy_ctx *ctx, int node, uint64_t start_pfn, uint64_t end_pfn,
			 enum work_kind kind);
/*
 * The unit's bookkeeping, for a strategy that writes a chunk its own way
 * (ondemand's drain): begin before the work; end with its times (t0 start,
 * t1 struct pages written, t2 handed off) and the struct pages it wrote,
 * into the calling CPU's span group, the node's times and the free samples.
 */
void strategy_chunk_begin(struct strategy_ctx *ctx, int node, enum work_kind kind);
void strategy_chunk_end(struct strategy_ctx *ctx, int node, enum work_kind kind, uint64_t t0, uint64_t t1,
			uint64_t t2, uint64_t pages);
/* Close the calling CPU's span group: its @span, and the NUMA model's wait if it wrote remotely. */
void strategy_flush(struct strategy_ctx *ctx);

/* strategy.timeout_ms, or 10 s plus 1 us per page: 30-100x what any emulator needs. */
uint64_t strategy_timeout_ns(const struct strategy_ctx *ctx);

#endif
