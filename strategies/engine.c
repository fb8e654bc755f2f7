// SPDX-License-Identifier: MIT
/* The work engine: plan, jobs, claims, the work loop, the wait and the rescue (engine.h). */
#include "strategies/engine.h"

#include "arch/x86_64/string.h"
#include "init/debug.h"
#include "init/record.h"
#include "smp/percpu.h"
#include "smp/smp.h"

const char *work_kind_name(enum work_kind kind)
{
	static const char *const names[] = {
		[WORK_INIT] = "memmap_init", [WORK_GROW] = "grow", [WORK_FILL] = "fill",
	};

	return names[kind];
}

/* ---- state words: generation << 32 | what << 16 | cpu ---- */

enum chunk_state { CHUNK_FREE, CHUNK_HELD, CHUNK_STARTED, CHUNK_TAKEN, CHUNK_DONE };
enum worker_state { WORKER_NONE, WORKER_PLANNED, WORKER_WORKING, WORKER_RETURNED, WORKER_OUT };

static inline uint64_t word(uint32_t gen, unsigned what, unsigned cpu)
{
	return (uint64_t)gen << 32 | (uint64_t)what << 16 | cpu;
}

static inline unsigned word_what(uint64_t w) { return (unsigned)(w >> 16 & 0xffff); }
static inline unsigned word_cpu(uint64_t w) { return (unsigned)(w & 0xffff); }
static inline uint32_t word_gen(uint64_t w) { return (uint32_t)(w >> 32); }

static inline bool cas(volatile uint64_t *v, uint64_t expected, uint64_t desired)
{
	return __atomic_compare_exchange_n(v, &expected, desired, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static inline uint64_t load(const volatile uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

/* ---- a run ---- */

void engine_begin_run(struct engine *e, const struct memmap *mm, const struct engine_ops *ops,
		      enum work_kind kind, uint64_t timeout_ns)
{
	uint32_t gen = e->generation + 1;

	e->generation = gen ? gen : 1;
	e->ops = ops;
	e->mm = mm;
	e->kind = kind;
	e->timeout_ns = timeout_ns;
	engine_plan_clear(e);
	memset(e->jobs, 0, sizeof(e->jobs));
	e->pool_used = 0;
	/* Worker words keep older generations: a CAS of this run's never matches them. */
	__atomic_store_n(&e->chunks_written, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->chunks_twice, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->chunks_abandoned, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->fault_ticket, 0, __ATOMIC_RELAXED);
	completion_init(&e->workers_left, 0);
}

uint64_t engine_chunks(const struct engine *e)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < e->mm->node_count; i++)
		n += e->jobs[i].nr_chunks;
	return n;
}

bool engine_check_account(const struct engine *e)
{
	uint64_t chunks = engine_chunks(e), written = load(&e->chunks_written);
	uint64_t twice = load(&e->chunks_twice), abandoned = load(&e->chunks_abandoned);

	if (written == chunks && !twice)
		return true;
	record_errorf("engine", "result reported as failed",
		      "run %u: %llu of %llu chunks written, %llu twice, %llu left inside a lost CPU",
		      e->generation, (unsigned long long)written, (unsigned long long)chunks,
		      (unsigned long long)twice, (unsigned long long)abandoned);
	return false;
}

/* ---- the plan ---- */

static bool node_has_pages(const struct engine *e, unsigned n)
{
	return e->mm->nodes[n].end_pfn > e->mm->nodes[n].start_pfn;
}

void engine_plan_clear(struct engine *e)
{
	/* Only the counts: order[cpu][i] is read below count[cpu] alone (16 KiB not cleared in the timed run). */
	memset(e->plan.count, 0, sizeof(e->plan.count));
	e->plan.workers = (struct cpumask){ { 0 } };
}

void engine_plan_node(struct engine *e, unsigned cpu, unsigned node)
{
	struct claim_plan *p = &e->plan;

	cpumask_set(&p->workers, cpu);
	for (unsigned i = 0; i < p->count[cpu]; i++)
		if (p->order[cpu][i] == node)
			return;
	p->order[cpu][p->count[cpu]++] = (uint8_t)node;
}

void engine_plan_all(struct engine *e, unsigned cpu)
{
	int order[MAX_NODES];
	unsigned count = numa_nodes_by_distance(e->mm->topo, cpu_node(cpu), order);

	cpumask_set(&e->plan.workers, cpu);
	for (unsigned i = 0; i < count; i++)
		if (node_has_pages(e, (unsigned)order[i]))
			engine_plan_node(e, cpu, (unsigned)order[i]);
}

void engine_plan(struct engine *e, const struct cpumask *workers, bool steal)
{
	const struct numa_topology *topo = e->mm->topo;
	bool has_worker[MAX_NODES] = { false };
	int adopter[MAX_NODES], order[MAX_NODES];

	engine_plan_clear(e);
	e->plan.workers = *workers;
	for_each_cpu_in(cpu, workers)
		has_worker[cpu_node(cpu)] = true;
	/*
	 * A node nobody works on goes to the workers nearest to where its
	 * struct pages live: distance[CPU's node][memory's node], the direction
	 * the NUMA model charges; an unreachable pair only if nothing else works.
	 */
	for (unsigned n = 0; n < topo->node_count; n++) {
		int memory = e->mm->nodes[n].map_node >= 0 ? e->mm->nodes[n].map_node : (int)n;
		unsigned count = numa_nodes_nearest_to(topo, memory, order);

		adopter[n] = has_worker[n] ? (int)n : -1;
		for (unsigned i = 0; i < count && adopter[n] < 0; i++)
			if (has_worker[order[i]])
				adopter[n] = order[i];
	}
	for_each_cpu_in(cpu, workers) {
		int home = cpu_node(cpu);
		unsigned count = numa_nodes_by_distance(topo, home, order);

		for (unsigned i = 0; i < count; i++)
			if (node_has_pages(e, (unsigned)order[i]) && adopter[order[i]] == home)
				engine_plan_node(e, cpu, (unsigned)order[i]);
		if (steal)
			engine_plan_all(e, cpu);
	}
}

/* The CPUs a node's job is sized for: its own workers, else every CPU that plans to claim from it. */
static unsigned node_threads(const struct engine *e, unsigned node)
{
	unsigned own = 0, planned = 0;

	for_each_cpu_in(cpu, &e->plan.workers) {
		if (cpu_node(cpu) == (int)node)
			own++;
		for (unsigned i = 0; i < e->plan.count[cpu]; i++)
			if (e->plan.order[cpu][i] == node)
				planned++;
	}
	return own ? own : planned ? planned : 1;
}

/* ---- the jobs ---- */

/*
 * Each thread takes about 16 chunks (padata takes 4): when one CPU runs out
 * of work the others are at most 1/16 of a share from done, and a claim
 * costs a few atomics, so small chunks are cheap.
 */
#define CHUNKS_PER_THREAD 16

uint64_t memmap_job_chunk_pages(uint64_t size, uint64_t align, uint64_t min_chunk, unsigned max_threads)
{
	uint64_t chunk = size / ((uint64_t)(max_threads ? max_threads : 1) * CHUNKS_PER_THREAD);

	if (chunk < min_chunk)
		chunk = min_chunk;
	chunk = (chunk + align - 1) & ~(align - 1);
	return chunk ? chunk : align;
}

static uint64_t chunks_of(uint64_t base, uint64_t end, uint64_t chunk)
{
	return (end - base + chunk - 1) / chunk;
}

/*
 * The job's chunks, each with a FREE state word of this run from the pool.
 * Nodes later in the run must still find room: a job that would take more
 * than its share of what is left gets larger chunks (still aligned).
 */
static void job_init(struct engine *e, int node, uint64_t start, uint64_t end, uint64_t chunk)
{
	struct memmap_job *j = &e->jobs[node];
	unsigned later = 0, room;

	for (unsigned n = (unsigned)node + 1; n < e->mm->node_count; n++)
		later += node_has_pages(e, n);
	room = (ENGINE_CHUNKS_MAX - e->pool_used) / (later + 1);
	j->node = node;
	j->start = start;
	j->end = end > start ? end : start;
	j->base = start & ~(MAX_ORDER_NR_PAGES - 1);
	j->chunk = chunk;
	/* Chunk 0 is never empty: start - base < MAX_ORDER_NR_PAGES <= chunk. */
	while (j->end > start && chunks_of(j->base, j->end, j->chunk) > room)
		j->chunk *= 2;
	j->nr_chunks = j->end > start ? chunks_of(j->base, j->end, j->chunk) : 0;
	j->state = e->pool + e->pool_used;
	e->pool_used += (unsigned)j->nr_chunks;
	for (uint64_t k = 0; k < j->nr_chunks; k++)
		j->state[k] = word(e->generation, CHUNK_FREE, 0);
	__atomic_store_n(&j->next, 0, __ATOMIC_RELEASE);
}

void engine_job_sized(struct engine *e, int node, uint64_t start, uint64_t end, uint64_t min_chunk,
		      unsigned threads)
{
	unsigned t = threads ? threads : node_threads(e, (unsigned)node);

	job_init(e, node, start, end,
		 memmap_job_chunk_pages(end > start ? end - start : 0, MAX_ORDER_NR_PAGES, min_chunk, t));
}

void engine_job_fixed(struct engine *e, int node, uint64_t start, uint64_t end, uint64_t chunk)
{
	uint64_t size = end > start ? end - start : 0;

	/* One chunk: at least the span plus its misalignment, so chunk 0 reaches the end. */
	if (!chunk)
		chunk = size + MAX_ORDER_NR_PAGES;
	job_init(e, node, start, end, memmap_job_chunk_pages(0, MAX_ORDER_NR_PAGES, chunk, 1));
}

void engine_jobs_sized(struct engine *e, uint64_t min_chunk, unsigned threads)
{
	for (unsigned n = 0; n < e->mm->node_count; n++) {
		const struct node_memmap *nm = &e->mm->nodes[n];

		engine_job_sized(e, (int)n, nm->start_pfn, nm->end_pfn, min_chunk, threads);
	}
}

static void chunk_range(const struct memmap_job *j, uint64_t k, uint64_t *start, uint64_t *end)
{
	*start = j->base + k * j->chunk;
	*end = *start + j->chunk;
	if (*start < j->start)
		*start = j->start;
	if (*end > j->end)
		*end = j->end;
}

/* ---- the claims ---- */

/*
 * Claim the next FREE chunk of @j for @cpu: its index, or -1 when none is
 * left. The cursor only says where to look; the CAS decides, so a chunk
 * the rescuer took first is skipped.
 */
static int64_t claim(struct engine *e, struct memmap_job *j, unsigned cpu)
{
	const uint64_t free_word = word(e->generation, CHUNK_FREE, 0);

	while (load(&j->next) < j->nr_chunks) {
		uint64_t k = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);

		if (k >= j->nr_chunks)
			break;
		if (cas(&j->state[k], free_word, word(e->generation, CHUNK_HELD, cpu)))
			return (int64_t)k;
	}
	return -1;
}

/* Write chunk @k, which this CPU owns (STARTED or TAKEN), and mark it done. */
static void write_chunk(struct engine *e, struct memmap_job *j, uint64_t k, enum work_kind kind)
{
	uint64_t s, end, was;

	chunk_range(j, k, &s, &end);
#ifdef MEMINIT_FAULT_SKIP_CHUNK
	/* A test kernel's broken strategy: the second chunk each run starts is never written. */
	if (kind == WORK_FILL || __atomic_fetch_add(&e->fault_ticket, 1, __ATOMIC_RELAXED) != 1)
#endif
		e->ops->write(e, j->node, s, end, kind);
	was = __atomic_exchange_n(&j->state[k], word(e->generation, CHUNK_DONE, 0), __ATOMIC_ACQ_REL);
	if (word_what(was) == CHUNK_DONE)
		__atomic_add_fetch(&e->chunks_twice, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->chunks_written, 1, __ATOMIC_RELAXED);
}

static bool still_working(const struct engine *e, unsigned cpu)
{
	return load(&e->worker[cpu]) == word(e->generation, WORKER_WORKING, cpu);
}

/*
 * One claimed chunk, on its worker: start it unless the rescuer took it
 * over meanwhile. False: taken over, this CPU has been given up.
 */
static bool start_and_write(struct engine *e, struct memmap_job *j, uint64_t k, unsigned cpu)
{
	debug_stall_if_asked(cpu);                /* with the chunk claimed, untouched */
	debug_slow_if_asked(cpu, e->generation);
	if (!cas(&j->state[k], word(e->generation, CHUNK_HELD, cpu),
		 word(e->generation, CHUNK_STARTED, cpu)))
		return false;
	write_chunk(e, j, k, e->kind);
	return true;
}

/* Claim and write @cpu's planned chunks; a worker (not the waiter) stops once it is given up. */
static void work_loop(struct engine *e, unsigned cpu, bool worker)
{
	for (unsigned i = 0; i < e->plan.count[cpu]; i++) {
		struct memmap_job *j = &e->jobs[e->plan.order[cpu][i]];
		int64_t k;

		e->working_on[cpu] = (uint8_t)j->node;
		while ((!worker || still_working(e, cpu)) && (k = claim(e, j, cpu)) >= 0)
			if (!start_and_write(e, j, (uint64_t)k, cpu))
				goto out;
	}
out:
	e->ops->flush(e);
}

void engine_work(struct engine *e)
{
	work_loop(e, smp_processor_id(), false);
}

bool engine_work_step(struct engine *e)
{
	unsigned cpu = smp_processor_id();

	for (unsigned i = 0; i < e->plan.count[cpu]; i++) {
		struct memmap_job *j = &e->jobs[e->plan.order[cpu][i]];
		int64_t k = claim(e, j, cpu);

		if (k >= 0) {
			e->working_on[cpu] = (uint8_t)j->node;
			start_and_write(e, j, (uint64_t)k, cpu);
			return true;
		}
	}
	e->ops->flush(e);
	return false;
}

bool engine_work_one(struct engine *e, int node, enum work_kind kind)
{
	unsigned cpu = smp_processor_id();
	struct memmap_job *j = &e->jobs[node];
	int64_t k = claim(e, j, cpu);

	if (k < 0)
		return false;
	/* Never refused: the rescuer takes over only the chunks of workers it gave up. */
	cas(&j->state[k], word(e->generation, CHUNK_HELD, cpu), word(e->generation, CHUNK_STARTED, cpu));
	write_chunk(e, j, (uint64_t)k, kind);
	e->ops->flush(e);
	return true;
}

/* ---- sending, waiting, rescuing ---- */

void engine_join(struct engine *e)
{
	unsigned cpu = smp_processor_id();
	uint32_t gen = __atomic_load_n(&e->generation, __ATOMIC_ACQUIRE);
	uint32_t done_gen = completion_generation(&e->workers_left);

	/* A call of an earlier run, or one given up before it got here: not ours to do. */
	if (!cas(&e->worker[cpu], word(gen, WORKER_PLANNED, cpu), word(gen, WORKER_WORKING, cpu)))
		return;
	work_loop(e, cpu, true);
	if (cas(&e->worker[cpu], word(gen, WORKER_WORKING, cpu), word(gen, WORKER_RETURNED, cpu)))
		complete_generation(&e->workers_left, done_gen);
}

static void worker_fn(void *arg)
{
	engine_join(arg);
}

/* Every planned CPU but this one PLANNED, and the completion counting them. */
static void arm(struct engine *e, const struct cpumask *others)
{
	for_each_cpu_in(cpu, others)
		__atomic_store_n(&e->worker[cpu], word(e->generation, WORKER_PLANNED, cpu), __ATOMIC_RELEASE);
	completion_init(&e->workers_left, (int)cpumask_weight(others));
}

void engine_arm(struct engine *e)
{
	struct cpumask others = e->plan.workers;

	cpumask_clear(&others, smp_processor_id());
	arm(e, &others);
}

bool engine_drop(struct engine *e, unsigned cpu)
{
	unsigned self = smp_processor_id();

	if (!cas(&e->worker[cpu], word(e->generation, WORKER_PLANNED, cpu),
		 word(e->generation, WORKER_OUT, cpu)))
		return false; /* it joined after all, or is no worker of this run */
	for (unsigned i = 0; i < e->plan.count[cpu]; i++)
		engine_plan_node(e, self, e->plan.order[cpu][i]);
	completion_add(&e->workers_left, -1);
	return true;
}

void engine_start(struct engine *e, bool wait)
{
	unsigned self = smp_processor_id();
	struct cpumask others = e->plan.workers;

	cpumask_clear(&others, self);
	/* A CPU taken offline in an earlier run is sent nothing: its nodes are done here. */
	for_each_cpu_in(cpu, &others)
		if (!cpumask_test(&cpu_online_mask, cpu)) {
			cpumask_clear(&others, cpu);
			for (unsigned i = 0; i < e->plan.count[cpu]; i++)
				engine_plan_node(e, self, e->plan.order[cpu][i]);
		}
	arm(e, &others);
	smp_call_many(&others, worker_fn, e, false);
	if (cpumask_test(&e->plan.workers, self))
		engine_work(e);
	if (wait)
		engine_wait(e);
}

bool engine_workers_back(const struct engine *e)
{
	return completion_done(&e->workers_left);
}

/* Give up on @cpu if it is still out: say so and never send it work again. */
static bool give_up(struct engine *e, unsigned cpu)
{
	unsigned long long ms = e->timeout_ns / 1000000;
	uint64_t w = load(&e->worker[cpu]);

	if (word_gen(w) != e->generation ||
	    (word_what(w) != WORKER_PLANNED && word_what(w) != WORKER_WORKING) ||
	    !cas(&e->worker[cpu], w, word(e->generation, WORKER_OUT, cpu)))
		return false; /* back in time, or not a worker of this run */
	cpumask_clear_atomic(&cpu_online_mask, cpu);
	if (word_what(w) == WORKER_PLANNED)
		record_errorf("worker cpu", "taken offline; its work done by the other CPUs",
			      "cpu %u did not answer the cross-call within %llu ms", cpu, ms);
	else
		record_errorf("worker cpu", "taken offline; its work done by the other CPUs",
			      "cpu %u stopped working on node %u and did not return within %llu ms", cpu,
			      e->working_on[cpu], ms);
	return true;
}

/*
 * After giving up: every chunk of the run is written by somebody. Nobody is
 * out but the lost CPUs, so a chunk still FREE or only HELD is taken over
 * and written here; one a lost CPU STARTED cannot be (part of it may be in
 * the buddy lists already, and writing it twice would corrupt them): it is
 * reported and left to verification. A lost CPU that is only slow can
 * claim at most one more chunk after it was given up, and a CAS decides
 * every race with it, so each chunk is looked at until its state holds.
 */
static void rescue_chunk(struct engine *e, struct memmap_job *j, uint64_t k)
{
	const uint64_t taken = word(e->generation, CHUNK_TAKEN, smp_processor_id());
	uint64_t s, end;

	for (;;) {
		uint64_t w = load(&j->state[k]);

		switch (word_what(w)) {
		case CHUNK_FREE:
		case CHUNK_HELD:
			if (!cas(&j->state[k], w, taken))
				continue;
			write_chunk(e, j, k, e->kind);
			return;
		case CHUNK_STARTED:
			chunk_range(j, k, &s, &end);
			__atomic_add_fetch(&e->chunks_abandoned, 1, __ATOMIC_RELAXED);
			record_errorf("worker cpu", "left to verification",
				      "cpu %u stopped inside pfns [%#llx, %#llx) of node %d", word_cpu(w),
				      (unsigned long long)s, (unsigned long long)end, j->node);
			return;
		default: /* DONE, or TAKEN by this CPU already */
			return;
		}
	}
}

bool engine_wait(struct engine *e)
{
	unsigned self = smp_processor_id();
	int nr_lost = 0;

	if (wait_for_completion_timeout(&e->workers_left, e->timeout_ns))
		return true;
	for_each_cpu_in(cpu, &e->plan.workers)
		if (cpu != self && give_up(e, cpu))
			nr_lost++;
	if (nr_lost)
		for (unsigned n = 0; n < e->mm->node_count; n++)
			for (uint64_t k = 0; k < e->jobs[n].nr_chunks; k++)
				rescue_chunk(e, &e->jobs[n], k);
	e->ops->flush(e);
	completion_add(&e->workers_left, -nr_lost);
	/* Workers not given up had returned a moment ago: their completion is on its way. */
	return wait_for_completion_timeout(&e->workers_left, e->timeout_ns);
}
