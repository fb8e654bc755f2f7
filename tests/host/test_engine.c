// SPDX-License-Identifier: MIT
/*
 * Host tests for strategies/engine.c, the work engine every strategy runs
 * on, with CPUs as threads (fake_smp.c):
 *   - the chunks of sized and fixed jobs cover every pfn exactly once, with
 *     aligned boundaries, also when the run's pool of state words is short;
 *   - the plan gives every node with pages to somebody, a CPU-less node to
 *     the nearest node with a worker, and with stealing every node to all;
 *   - CPUs claiming at once never write a chunk twice, nor does the boot
 *     CPU growing a node (async's allocator hook) while workers claim;
 *   - the rescue: a dead CPU, a CPU that pauses holding a chunk and then
 *     wakes during the rescue, a CPU whose cross-call arrives only in the
 *     next run, a CPU that stops inside a chunk: every chunk is written
 *     exactly once (or reported), and no late worker counts itself into
 *     another run;
 *   - workers that join by themselves (overlap): armed, never sent, one
 *     dropped before it came; the waiter writing a chunk at a time;
 *   - a mem_map built chunk by chunk in any order is the one-pass mem_map.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mm/verify.h"
#include "strategies/engine.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"
#include "tests/host/fake_smp.h"

/* ---- a machine of spans only: the engine never looks at a struct page ---- */

#define SPAN_PAGES (64 * MAX_ORDER_NR_PAGES + 300) /* an unaligned end */

struct bench {
	struct numa_topology topo;
	struct memmap mm;
	struct engine e;
	uint64_t first_pfn, last_pfn;
	uint8_t *writes;           /* per pfn: how often a chunk wrote it */
	unsigned write_us;         /* each chunk takes this long */
	unsigned stop_in_write;    /* this CPU stops inside its next chunk until released */
	volatile bool released;
	volatile unsigned chunks;  /* write calls */
};

static struct bench *bench;

static void count_write(struct engine *e, int node, uint64_t start, uint64_t end, enum work_kind kind)
{
	(void)e;
	(void)kind;
	CHECK(start < end);
	CHECK(start >= bench->mm.nodes[node].start_pfn && end <= bench->mm.nodes[node].end_pfn);
	for (uint64_t p = start; p < end; p++)
		__atomic_add_fetch(&bench->writes[p - bench->first_pfn], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&bench->chunks, 1, __ATOMIC_RELAXED);
	while (smp_processor_id() == bench->stop_in_write && !__atomic_load_n(&bench->released, __ATOMIC_ACQUIRE))
		fake_sleep_us(200);
	if (bench->write_us)
		fake_sleep_us(bench->write_us);
}

static void no_flush(struct engine *e)
{
	(void)e;
}

static const struct engine_ops counting = { .write = count_write, .flush = no_flush };

/* @nodes nodes of SPAN_PAGES (node 1 memoryless when @hole_node), @cpus CPUs round-robin on them. */
static struct bench *bench_new(unsigned nodes, unsigned cpus, bool hole_node)
{
	struct bench *b = calloc(1, sizeof(*b));
	uint64_t pfn = 0x100 + 5; /* an unaligned start */

	fake_reset(cpus);
	b->topo.node_count = nodes;
	b->mm.node_count = nodes;
	b->mm.topo = &b->topo;
	b->first_pfn = pfn;
	for (unsigned n = 0; n < nodes; n++) {
		uint64_t size = hole_node && n == 1 ? 0 : SPAN_PAGES;

		for (unsigned m = 0; m < nodes; m++)
			b->topo.distance[n][m] = n == m ? 10 : (uint8_t)(10 + 10 * (n > m ? n - m : m - n));
		b->mm.nodes[n].start_pfn = pfn;
		b->mm.nodes[n].end_pfn = pfn + size;
		b->mm.nodes[n].map_node = (int)n;
		pfn += size + 3 * MAX_ORDER_NR_PAGES;
	}
	b->last_pfn = pfn;
	b->stop_in_write = UINT32_MAX;
	b->writes = calloc(pfn - b->first_pfn, 1);
	for (unsigned c = 0; c < cpus; c++)
		fake_cpu_node[c] = (int)(c % nodes);
	bench = b;
	return b;
}

static void bench_free(struct bench *b)
{
	fake_join_all();
	free(b->writes);
	free(b);
}

/* Every pfn of every span written exactly @times times; the rest never. */
static void check_writes(const struct bench *b, unsigned times)
{
	uint64_t wrong = 0;

	for (uint64_t p = b->first_pfn; p < b->last_pfn; p++) {
		bool in_span = false;

		for (unsigned n = 0; n < b->mm.node_count; n++)
			in_span |= p >= b->mm.nodes[n].start_pfn && p < b->mm.nodes[n].end_pfn;
		wrong += b->writes[p - b->first_pfn] != (in_span ? times : 0);
	}
	CHECK_EQ_U64(wrong, 0);
}

static void begin(struct bench *b, uint64_t timeout_ms)
{
	engine_begin_run(&b->e, &b->mm, &counting, WORK_INIT, timeout_ms * 1000000ull);
}

/* ---- the jobs ---- */

static void test_chunk_size(void)
{
	CHECK_EQ_U64(memmap_job_chunk_pages(16 * 1024 * 1024, 1024, 1024, 4), 262144);
	CHECK_EQ_U64(memmap_job_chunk_pages(1000, 1024, 1, 4), 1024);     /* at least align */
	CHECK_EQ_U64(memmap_job_chunk_pages(1 << 20, 1024, 5000, 1), 65536); /* rounded up */
	CHECK_EQ_U64(memmap_job_chunk_pages(0, 1024, 0, 0), 1024);
}

static void test_every_pfn_exactly_once(void)
{
	for (unsigned iter = 0; iter < 200; iter++) {
		struct bench *b = bench_new(1 + (unsigned)rnd(4), 1, false);

		begin(b, 0);
		for (unsigned n = 0; n < b->mm.node_count; n++) {
			const struct node_memmap *nm = &b->mm.nodes[n];
			uint64_t s = nm->start_pfn + rnd(3 * MAX_ORDER_NR_PAGES);
			uint64_t e = s + rnd(nm->end_pfn - s + 1);

			/* Bench spans, cut at random: the rest of the node is not part of the run. */
			b->mm.nodes[n].start_pfn = s;
			b->mm.nodes[n].end_pfn = e;
			if (iter % 2)
				engine_job_sized(&b->e, (int)n, s, e, 1 + rnd(4096), 1 + (unsigned)rnd(64));
			else
				engine_job_fixed(&b->e, (int)n, s, e, rnd(3) ? rnd(40000) : 0);
			CHECK(b->e.jobs[n].chunk % MAX_ORDER_NR_PAGES == 0);
			engine_plan_node(&b->e, 0, n);
		}
		engine_work(&b->e);
		check_writes(b, 1);
		CHECK(engine_check_account(&b->e));
		CHECK_EQ_U64(b->chunks, engine_chunks(&b->e));
		bench_free(b);
	}
}

/* More chunks than the run's pool holds: larger chunks, still every pfn once. */
static void test_pool_short(void)
{
	struct bench *b = bench_new(4, 1, false);

	begin(b, 0);
	for (unsigned n = 0; n < 4; n++) {
		engine_job_fixed(&b->e, (int)n, b->mm.nodes[n].start_pfn, b->mm.nodes[n].end_pfn, 1);
		engine_plan_node(&b->e, 0, n);
	}
	CHECK(engine_chunks(&b->e) <= ENGINE_CHUNKS_MAX);
	for (unsigned n = 0; n < 4; n++)
		CHECK(b->e.jobs[n].nr_chunks >= 1);
	engine_work(&b->e);
	check_writes(b, 1);
	bench_free(b);
}

/* ---- the plan ---- */

static bool planned(const struct engine *e, unsigned cpu, unsigned node)
{
	for (unsigned i = 0; i < e->plan.count[cpu]; i++)
		if (e->plan.order[cpu][i] == node)
			return true;
	return false;
}

static void test_plan(void)
{
	struct bench *b = bench_new(4, 3, true); /* CPUs on nodes 0, 1, 2; node 1 has no memory; node 3 no CPU */
	struct cpumask workers = cpu_online_mask;

	begin(b, 0);
	engine_plan(&b->e, &workers, false);
	CHECK(planned(&b->e, 0, 0) && planned(&b->e, 2, 2));
	CHECK(!planned(&b->e, 1, 1));                  /* no pages there */
	CHECK(planned(&b->e, 2, 3) && !planned(&b->e, 0, 3)); /* node 3's nearest node with a CPU is 2 */
	CHECK_EQ_U64(b->e.plan.count[1], 0);
	CHECK_EQ_U64(b->e.plan.count[0], 1);
	engine_plan(&b->e, &workers, true);
	for (unsigned c = 0; c < 3; c++)
		CHECK_EQ_U64(b->e.plan.count[c], 3); /* every node with pages, own (or adopted) first */
	CHECK_EQ_U64(b->e.plan.order[0][0], 0);
	CHECK_EQ_U64(b->e.plan.order[2][0], 2);
	bench_free(b);
}

/* ---- CPUs at once ---- */

/* Every online CPU works; without stealing, each only on its own node (and adopted ones). */
static void run_with(struct bench *b, unsigned threads, uint64_t timeout_ms, bool steal)
{
	struct cpumask workers = cpu_online_mask;

	begin(b, timeout_ms);
	engine_plan(&b->e, &workers, steal);
	engine_jobs_sized(&b->e, MAX_ORDER_NR_PAGES, threads);
	engine_start(&b->e, true);
}

static void run_parallel(struct bench *b, unsigned threads, uint64_t timeout_ms)
{
	run_with(b, threads, timeout_ms, true);
}

static void test_concurrent(void)
{
	for (unsigned iter = 0; iter < 20; iter++) {
		struct bench *b = bench_new(1 + iter % 4, 2 + iter % 7, false);

		run_parallel(b, 1 + iter % 3, 10000);
		fake_join_all();
		check_writes(b, 1);
		CHECK(engine_check_account(&b->e));
		CHECK_EQ_U64(fake_errors(), 0);
		bench_free(b);
	}
}

/* Several runs on one engine: each a new generation, each writing everything once. */
static void test_runs_in_a_row(void)
{
	struct bench *b = bench_new(2, 4, false);
	uint32_t gen = 0;

	for (unsigned run = 1; run <= 5; run++) {
		run_parallel(b, 2, 10000);
		CHECK(b->e.generation > gen);
		gen = b->e.generation;
		fake_join_all();
		check_writes(b, run);
		CHECK(engine_check_account(&b->e));
	}
	bench_free(b);
}

struct grower {
	struct bench *b;
	unsigned grown;
};

static void *grow_all(void *p)
{
	struct grower *g = p;
	bool any = true;

	fake_this_cpu = 0;
	while (any) {
		any = false;
		for (unsigned n = 0; n < g->b->mm.node_count; n++)
			if (engine_work_one(&g->b->e, (int)n, WORK_GROW)) {
				g->grown++;
				any = true;
			}
	}
	return NULL;
}

/* async's allocator hook: the boot CPU claims single chunks while the workers claim theirs. */
static void test_grow_while_working(void)
{
	struct bench *b = bench_new(2, 4, false);
	struct cpumask workers = cpu_online_mask;
	struct grower g = { b, 0 };
	pthread_t t;

	b->write_us = 200;
	begin(b, 10000);
	cpumask_clear(&workers, 0);
	engine_plan(&b->e, &workers, true);
	for (unsigned n = 0; n < 2; n++)
		engine_job_fixed(&b->e, (int)n, b->mm.nodes[n].start_pfn, b->mm.nodes[n].end_pfn,
				 MAX_ORDER_NR_PAGES);
	engine_start(&b->e, false);
	pthread_create(&t, NULL, grow_all, &g);
	pthread_join(t, NULL);
	CHECK(engine_wait(&b->e));
	fake_join_all();
	check_writes(b, 1);
	CHECK(engine_check_account(&b->e));
	CHECK(g.grown > 0);
	bench_free(b);
}

/* ---- workers that come by themselves (strategy=overlap) ---- */

struct joiner {
	struct bench *b;
	unsigned cpu;
};

static void *join_as(void *p)
{
	struct joiner *j = p;

	fake_this_cpu = j->cpu;
	fake_sleep_us(300 * j->cpu); /* APs come online one after another */
	engine_join(&j->b->e);
	return NULL;
}

/*
 * Armed workers, nothing sent: CPUs 1 and 2 join when they come, CPU 3
 * never does and is dropped; the waiter writes chunks one at a time
 * meanwhile. Every chunk once, and the wait needs no timeout.
 */
static void test_workers_join_themselves(void)
{
	struct bench *b = bench_new(2, 4, false);
	struct cpumask workers = cpu_online_mask;
	struct joiner j[3] = { { b, 1 }, { b, 2 }, { b, 3 } };
	pthread_t t[2];
	unsigned steps = 0;

	b->write_us = 50;
	begin(b, 60000);
	engine_plan(&b->e, &workers, true);
	engine_jobs_sized(&b->e, MAX_ORDER_NR_PAGES, 0);
	engine_arm(&b->e);
	CHECK(!engine_workers_back(&b->e));
	for (unsigned i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, join_as, &j[i]);
	while (steps < 4 && engine_work_step(&b->e))
		steps++;
	CHECK_EQ_U64(steps, 4);
	CHECK(engine_drop(&b->e, 3));
	CHECK(!engine_drop(&b->e, 3));
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!engine_drop(&b->e, 1)); /* it joined: not droppable */
	engine_work(&b->e);
	CHECK(engine_wait(&b->e));
	join_as(&j[2]); /* the dropped CPU comes after all: it writes nothing */
	fake_this_cpu = 0;
	check_writes(b, 1);
	CHECK(engine_check_account(&b->e));
	CHECK_EQ_U64(fake_errors(), 0);
	bench_free(b);
}

/* ---- the rescue ---- */

/* A CPU that never answers: taken offline, its nodes written by the waiter. */
static void test_dead_cpu(void)
{
	struct bench *b = bench_new(2, 2, false);

	fake_answer[1] = FAKE_NEVER;
	b->write_us = 100;
	run_parallel(b, 1, 30);
	check_writes(b, 1);
	CHECK(engine_check_account(&b->e));
	CHECK(fake_error_says("cpu 1 did not answer"));
	CHECK(!cpumask_test(&cpu_online_mask, 1));
	bench_free(b);
}

/*
 * A CPU that pauses holding a claimed chunk and wakes during the rescue:
 * the rescuer takes the chunk over, the worker finds it taken and writes
 * nothing, and its completion is not counted after it was given up.
 */
static void test_slow_cpu_wakes_during_rescue(void)
{
	for (unsigned iter = 0; iter < 6; iter++) {
		struct bench *b = bench_new(2, 2, false);

		fake_slow_cpu = 1;
		fake_slow_ms = 150 + 7 * iter; /* wakes at different points after the give-up */
		b->write_us = 200;
		run_with(b, 1, 40, iter % 2); /* without stealing CPU 1 surely holds a chunk of node 1 */
		fake_join_all(); /* the slow worker has woken and left */
		check_writes(b, 1);
		CHECK(engine_check_account(&b->e));
		CHECK_EQ_U64(b->chunks, engine_chunks(&b->e));
		CHECK(fake_error_says("cpu 1 stopped working"));
		CHECK(engine_workers_back(&b->e));
		CHECK_EQ_U64(b->e.workers_left.state & 0xffffffffu, 0); /* never below zero */
		bench_free(b);
	}
}

/* A pause shorter than the bound costs nothing: no rescue, no error. */
static void test_slow_cpu_in_time(void)
{
	struct bench *b = bench_new(2, 2, false);

	fake_slow_cpu = 1;
	fake_slow_ms = 20;
	run_parallel(b, 1, 5000);
	fake_join_all();
	check_writes(b, 1);
	CHECK(engine_check_account(&b->e));
	CHECK_EQ_U64(fake_errors(), 0);
	bench_free(b);
}

/*
 * A cross-call that arrives only after its run was given up and the next
 * run started: the late worker does nothing in the next run, and the next
 * run's counter is untouched.
 */
static void test_late_call_next_run(void)
{
	struct bench *b = bench_new(2, 3, false);

	fake_answer[2] = FAKE_LATE;
	run_parallel(b, 1, 30);
	CHECK(fake_error_says("cpu 2 did not answer"));
	check_writes(b, 1);
	fake_answer[1] = FAKE_LATE; /* the next run waits for CPU 1 until we deliver */
	begin(b, 10000);
	{
		struct cpumask workers = cpu_online_mask;

		engine_plan(&b->e, &workers, true);
		engine_jobs_sized(&b->e, MAX_ORDER_NR_PAGES, 1);
		engine_start(&b->e, false); /* CPU 0 does everything; CPU 1's call is held */
	}
	CHECK(!engine_workers_back(&b->e));
	fake_deliver_late();                /* CPU 2's stale call of run 1, and CPU 1's of this run */
	CHECK(engine_wait(&b->e));
	fake_join_all();
	check_writes(b, 2);
	CHECK(engine_check_account(&b->e));
	CHECK_EQ_U64(b->e.workers_left.state & 0xffffffffu, 0);
	bench_free(b);
}

/* debug.stall_cpu: a CPU that stops holding a claimed chunk; taken over, and it writes nothing when it wakes. */
static void test_stall_before_start(void)
{
	struct bench *b = bench_new(2, 2, false);

	fake_stall_cpu = 1;
	run_with(b, 1, 30, false);
	CHECK(fake_error_says("cpu 1 stopped working"));
	check_writes(b, 1);
	CHECK(engine_check_account(&b->e));
	fake_unstall();
	fake_join_all();
	check_writes(b, 1);
	bench_free(b);
}

/* A CPU that stops inside a chunk it started: reported, never written again, the account fails. */
static void test_stop_inside_chunk(void)
{
	struct bench *b = bench_new(2, 2, false);

	b->stop_in_write = 1;
	run_with(b, 1, 30, false);
	CHECK(fake_error_says("left to verification"));
	CHECK(!engine_check_account(&b->e));
	CHECK(fake_error_says("left inside a lost CPU"));
	__atomic_store_n(&b->released, true, __ATOMIC_RELEASE);
	fake_join_all();
	check_writes(b, 1); /* once: by the CPU that started it, when it came back */
	bench_free(b);
}

/* ---- chunks in any order build the one-pass mem_map ---- */

struct recorded_chunk {
	unsigned node;
	uint64_t start, end;
};

static struct recorded_chunk recorded[ENGINE_CHUNKS_MAX];
static unsigned nr_recorded;

static void record_chunk(struct engine *e, int node, uint64_t start, uint64_t end, enum work_kind kind)
{
	(void)e;
	(void)kind;
	recorded[nr_recorded++] = (struct recorded_chunk){ (unsigned)node, start, end };
}

static const struct engine_ops recording = { .write = record_chunk, .flush = no_flush };

struct buddy_shape {
	uint64_t nr_free[MAX_NODES][MAX_NR_ZONES][MAX_ORDER + 1];
};

static void shape_of(const struct buddy *b, struct buddy_shape *s)
{
	for (unsigned n = 0; n < b->node_count; n++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			for (unsigned o = 0; o <= MAX_ORDER; o++)
				s->nr_free[n][z][o] = b->nodes[n].zones[z].free_area[o].nr_free;
}

static void test_chunked_matches_one_pass(void)
{
	static struct engine e;
	static struct buddy_shape whole, chunked;
	struct fixture *f = fx_new();
	struct verify_result v;
	uint64_t digest;

	fake_reset(1);
	fx_standard(f);
	fx_setup_buddy(f);
	fx_init_all(f);
	fx_free_all(f);
	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &v));
	digest = memmap_digest(&f->mm);
	memset(&whole, 0, sizeof(whole));
	shape_of(&f->b, &whole);

	for (unsigned iter = 0; iter < 30; iter++) {
		nr_recorded = 0;
		fx_garbage(f);
		buddy_init(&f->b, &f->mm);
		engine_begin_run(&e, &f->mm, &recording, WORK_INIT, 0);
		for (unsigned node = 0; node < f->mm.node_count; node++) {
			const struct node_memmap *nm = &f->mm.nodes[node];

			engine_job_sized(&e, (int)node, nm->start_pfn, nm->end_pfn,
					 1 + rnd(4 * MAX_ORDER_NR_PAGES), 1 + (unsigned)rnd(16));
			engine_plan_node(&e, 0, node);
		}
		engine_work(&e);
		for (unsigned i = nr_recorded; i > 1; i--) { /* CPUs finish chunks in any order */
			unsigned j = (unsigned)rnd(i);
			struct recorded_chunk t = recorded[i - 1];

			recorded[i - 1] = recorded[j];
			recorded[j] = t;
		}
		for (unsigned i = 0; i < nr_recorded; i++) {
			memmap_init_range(&f->mm, (int)recorded[i].node, recorded[i].start, recorded[i].end);
			memmap_free_range(&f->b, (int)recorded[i].node, recorded[i].start, recorded[i].end);
		}
		CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &v));
		CHECK_EQ_U64(memmap_digest(&f->mm), digest);
		memset(&chunked, 0, sizeof(chunked));
		shape_of(&f->b, &chunked);
		CHECK(memcmp(&whole, &chunked, sizeof(whole)) == 0);
	}
	fx_free(f);
}

CHECK_MAIN(CHECK_TEST(test_chunk_size), CHECK_TEST(test_every_pfn_exactly_once),
	   CHECK_TEST(test_pool_short), CHECK_TEST(test_plan), CHECK_TEST(test_concurrent),
	   CHECK_TEST(test_runs_in_a_row), CHECK_TEST(test_grow_while_working),
	   CHECK_TEST(test_workers_join_themselves),
	   CHECK_TEST(test_dead_cpu), CHECK_TEST(test_slow_cpu_wakes_during_rescue),
	   CHECK_TEST(test_slow_cpu_in_time), CHECK_TEST(test_late_call_next_run),
	   CHECK_TEST(test_stall_before_start), CHECK_TEST(test_stop_inside_chunk),
	   CHECK_TEST(test_chunked_matches_one_pass));
