/* SPDX-License-Identifier: MIT */
/*
 * engine - the work engine every strategy runs on: who writes which chunk
 * of which node, on which CPU, and what happens when a CPU does not come
 * back. A strategy only decides the plan and the jobs; the engine owns
 *
 *   the plan    for each worker CPU, the nodes it claims chunks from, in order;
 *   the jobs    one per node: [start, end) in pfns cut into chunks (like
 *               Linux's padata_mt_job), sized for the CPUs planned on it
 *               (engine_job_sized) or of a fixed size (engine_job_fixed);
 *   the claims  every chunk has one atomic state word, so exactly one CPU
 *               writes it: the worker that claimed and started it, or the
 *               rescuer that took it over while it was only claimed;
 *   the loop    engine_work(): claim, start, write, done, until the CPU's
 *               nodes have no chunks left;
 *   the wait    engine_wait(): halt until every worker is back, bounded;
 *   the rescue  a worker still out at the bound is given up: named in an
 *               @error, taken offline, its nodes planned onto the waiter,
 *               its claimed-but-unstarted chunk taken over.
 *
 * A chunk's state moves   FREE -> HELD(cpu) -> STARTED(cpu) -> DONE
 *                                        \-> TAKEN(rescuer) -> DONE
 * by compare-and-swap: a worker that wakes after the rescuer took its chunk
 * finds TAKEN, writes nothing and leaves. A worker's own state moves
 * PLANNED -> WORKING -> RETURNED, or to OUT when given up, again by CAS:
 * only a worker that returned while still in the run counts itself back,
 * and only the rescuer's CAS counts a worker as lost, never both.
 *
 * Every state word carries the run's generation (engine_begin_run), and so
 * does the workers' completion: a worker from an earlier run that wakes
 * late fails every CAS of the current run and touches none of its counters.
 *
 * The chunk arithmetic, the protocol and the plan are pure C; the engine
 * reaches the machine only through smp_call_many(), the completion and
 * smp_processor_id(), so the host tests run it on threads (test_engine.c).
 */
#ifndef MEMINIT_STRATEGIES_ENGINE_H
#define MEMINIT_STRATEGIES_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/buddy.h" /* MAX_ORDER_NR_PAGES: chunks never split a buddy block */
#include "mm/memmap.h"
#include "smp/cpumask.h"
#include "smp/numa.h"
#include "smp/wait.h"

/* What a chunk of work is: it names the chunk's @span and decides what is written. */
enum work_kind {
	WORK_INIT, /* struct pages written and handed to the buddy allocator */
	WORK_GROW, /* the same, for an allocation that would fail (async) */
	WORK_FILL, /* raw bytes only: the same-boot fill limit of strategy=all */
};

const char *work_kind_name(enum work_kind kind);

/* Chunk state words of one run, for all its jobs together (8 bytes each). */
#define ENGINE_CHUNKS_MAX 16384

struct memmap_job {
	int node;
	uint64_t start, end;      /* pfns [start, end) */
	uint64_t chunk;           /* pages per chunk, a multiple of MAX_ORDER_NR_PAGES */
	uint64_t base;            /* start rounded down: chunk k is [base + k * chunk,
				     base + (k + 1) * chunk) clipped to [start, end) */
	uint64_t nr_chunks;
	volatile uint64_t next;   /* the next chunk index to try (a hint: the states decide) */
	volatile uint64_t *state; /* nr_chunks state words, in the run's pool */
};

/* For each worker CPU, the nodes it claims chunks from, in order. */
struct claim_plan {
	struct cpumask workers;
	uint8_t order[MAX_CPUS][MAX_NODES];
	uint8_t count[MAX_CPUS];
};

struct engine;

/*
 * What the engine calls to do a chunk: write [start, end) of @node on this
 * CPU as @kind, and close this CPU's account of its chunks (strategy.c
 * times them into @span records).
 */
struct engine_ops {
	void (*write)(struct engine *e, int node, uint64_t start, uint64_t end, enum work_kind kind);
	void (*flush)(struct engine *e);
};

struct engine {
	const struct engine_ops *ops;
	const struct memmap *mm;
	uint32_t generation;        /* this run's; never 0 */
	enum work_kind kind;        /* what claimed chunks are: WORK_INIT or WORK_FILL */
	uint64_t timeout_ns;        /* the bound of one wait for the workers */

	struct claim_plan plan;
	struct memmap_job jobs[MAX_NODES];
	uint64_t pool[ENGINE_CHUNKS_MAX];
	unsigned pool_used;

	volatile uint64_t worker[MAX_CPUS]; /* generation << 32 | enum worker_state */
	volatile uint8_t working_on[MAX_CPUS]; /* the node a worker last claimed from: for its @error */
	struct completion workers_left;

	/* The run's account: exactly nr_chunks written once each when all is well. */
	volatile uint64_t chunks_written, chunks_twice, chunks_abandoned;
	volatile uint64_t fault_ticket; /* the test-only skip-chunk kernel's count of chunks started */
};

/* ---- a run ---- */

/* Start a run over @mm: a new generation, no plan, no jobs, the counters at 0. */
void engine_begin_run(struct engine *e, const struct memmap *mm, const struct engine_ops *ops,
		      enum work_kind kind, uint64_t timeout_ns);
/* Chunks of every job of the run: what engine_check_account() compares the account with. */
uint64_t engine_chunks(const struct engine *e);
/*
 * After the last wait: check the account (every chunk written exactly once),
 * with an @error naming what is off. False if it is.
 */
bool engine_check_account(const struct engine *e);

/* ---- the plan ---- */

/*
 * engine_plan - which nodes each CPU of @workers claims from: its own node
 * first; then the nodes without a worker for which its node is the nearest
 * with one (CPU-less nodes, or a node whose only CPU sits out); then, with
 * @steal, every other node by distance.
 */
void engine_plan(struct engine *e, const struct cpumask *workers, bool steal);
/* Let @cpu claim from every node with pages, nearest first (after what it has planned). */
void engine_plan_all(struct engine *e, unsigned cpu);
/* Let @cpu claim from @node too (after what it has planned; once). Adds @cpu to the workers. */
void engine_plan_node(struct engine *e, unsigned cpu, unsigned node);
/* Forget the plan (the jobs and the run stay): for a strategy that sends work node by node. */
void engine_plan_clear(struct engine *e);

/* ---- the jobs ---- */

/* Pages per chunk for @size pages shared by @max_threads (>= 1): a multiple of @align (a power of 2). */
uint64_t memmap_job_chunk_pages(uint64_t size, uint64_t align, uint64_t min_chunk, unsigned max_threads);

/*
 * Node @node's job: [start, end) in chunks of about (end - start) / (16 *
 * @threads) pages, at least @min_chunk, aligned to MAX_ORDER_NR_PAGES so
 * that no buddy block straddles two chunks and any split builds the blocks
 * one CPU would have built. @threads 0: the CPUs the plan has on the node.
 */
void engine_job_sized(struct engine *e, int node, uint64_t start, uint64_t end, uint64_t min_chunk,
		      unsigned threads);
/* Node @node's job in chunks of @chunk pages (rounded up to MAX_ORDER_NR_PAGES); 0: one chunk. */
void engine_job_fixed(struct engine *e, int node, uint64_t start, uint64_t end, uint64_t chunk);
/* engine_job_sized() for the whole span of every node with pages. */
void engine_jobs_sized(struct engine *e, uint64_t min_chunk, unsigned threads);

/* ---- the work ---- */

/* On a CPU of the plan: claim and write chunks until its nodes have none left, then flush. */
void engine_work(struct engine *e);
/* Claim one chunk of @node and write it here, now, as @kind. False: none left to claim. */
bool engine_work_one(struct engine *e, int node, enum work_kind kind);
/*
 * engine_work() one chunk at a time, for a CPU with something else to
 * look after between chunks (the boot CPU while APs wake): claim and write
 * the next chunk of this CPU's plan. False when none is left (then flushed).
 */
bool engine_work_step(struct engine *e);
/*
 * Workers that come by themselves instead of being sent the work (under
 * strategy=overlap, APs as they come online): engine_arm() counts every
 * planned CPU but this one as a worker out, sending nothing; each calls
 * engine_join() when it can, and engine_wait() waits for them as usual.
 */
void engine_arm(struct engine *e);
/* On a worker: its share of the run (what the cross-call of engine_start runs). */
void engine_join(struct engine *e);
/*
 * A worker that will never join (it did not come online): out of the run
 * before it began, its nodes planned onto this CPU. False if it had joined.
 */
bool engine_drop(struct engine *e, unsigned cpu);
/*
 * Send engine_work to every planned CPU but this one, work here too if
 * this CPU is planned, and with @wait engine_wait().
 */
void engine_start(struct engine *e, bool wait);
/*
 * Halt until every worker has returned, at most e->timeout_ns. A worker
 * still out then is given up (see above) and its work done here. False if
 * workers are still out even after one more bound.
 */
bool engine_wait(struct engine *e);
/* True when no worker is out. */
bool engine_workers_back(const struct engine *e);

#endif
