// SPDX-License-Identifier: MIT
#include "init/steady.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"
#include "mm/memmap_boot.h"
#include "smp/idle.h"
#include "smp/percpu.h"

static bool steady_on;
PARAM_BOOL("steady", steady_on,
	   "run the steady allocation workload from usable onwards and report @steady (default off; "
	   "bench/compare turns it on)");

static unsigned period_us = 20;
PARAM_UINT("steady.period_us", period_us, 1, 1000000,
	   "steady: one order-0 allocation, touch and free every this many us (default 20)");

static unsigned after_ms = 5;
PARAM_UINT("steady.after_ms", after_ms, 1, 60000,
	   "steady: how long it goes on once everything has arrived, the baseline (default 5)");

/* Free-page samples over both windows; when full every other one goes and the interval doubles. */
#define FREE_SAMPLES 128
#define FIRST_SAMPLE_EVERY_NS 100000

static struct steady_window during, after, after_busy;
static bool during_open; /* from steady_during() until the wait has returned (steady_waited) */
static uint64_t free_samples[FREE_SAMPLES][2];
static unsigned free_count;
static uint64_t sample_every_ns, next_sample_ns, next_op_ns;
static uint64_t reservoir_seed = 0x9e3779b97f4a7c15ull;

bool steady_wanted(void)
{
	return steady_on;
}

static uint64_t next_random(void)
{
	reservoir_seed ^= reservoir_seed << 13;
	reservoir_seed ^= reservoir_seed >> 7;
	reservoir_seed ^= reservoir_seed << 17;
	return reservoir_seed;
}

static void keep_latency(struct steady_window *w, uint64_t ns)
{
	uint32_t v = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	uint64_t slot;

	w->ops++;
	if (ns > w->max_ns)
		w->max_ns = ns;
	if (w->kept < STEADY_LATENCIES_KEPT) {
		w->ns[w->kept++] = v;
		return;
	}
	slot = next_random() % w->ops; /* reservoir sampling: each op kept with the same chance */
	if (slot < STEADY_LATENCIES_KEPT)
		w->ns[slot] = v;
}

static void sample_free_pages(uint64_t now, bool last)
{
	if (now < next_sample_ns && !last)
		return;
	if (free_count == FREE_SAMPLES) {
		for (unsigned i = 0; i < FREE_SAMPLES / 2; i++) {
			free_samples[i][0] = free_samples[2 * i][0];
			free_samples[i][1] = free_samples[2 * i][1];
		}
		free_count = FREE_SAMPLES / 2;
		sample_every_ns *= 2;
	}
	free_samples[free_count][0] = now;
	free_samples[free_count][1] = buddy_free_pages(&boot_buddy, -1);
	free_count++;
	next_sample_ns = now + sample_every_ns;
}

/* One allocation as a service would make it: timed from when it was due, its page touched, freed. */
static void steady_op(struct steady_window *w, int node, uint64_t due)
{
	struct page *p = alloc_pages(&boot_buddy, node, 0);
	uint64_t t1 = time_ns();

	if (p) {
		*(volatile uint64_t *)phys_to_virt(page_to_pfn(&boot_memmap, p) << PAGE_SHIFT) = t1;
		free_pages(&boot_buddy, p, 0);
	} else {
		w->failed++;
	}
	keep_latency(w, t1 - due);
}

/* The ops due since next_op_ns that the boot CPU missed: each waited from its due time until now. */
static void count_missed(struct steady_window *w, uint64_t now, uint64_t period)
{
	for (; next_op_ns + period <= now; next_op_ns += period)
		keep_latency(w, now - next_op_ns);
}

/*
 * Ops at a steady rate until @until_ns, or until @ctx's background work is
 * back when @until_back. Each op's latency runs from its due time; an op
 * that overruns the period makes the next ones late, not a burst.
 */
void steady_serve(struct steady_window *w, const struct strategy_ctx *ctx, uint64_t until_ns,
		  bool until_back)
{
	uint64_t period = (uint64_t)period_us * 1000;
	int node = cpu_node(smp_processor_id());

	w->start_ns = time_ns();
	count_missed(w, w->start_ns, period);
	for (;;) {
		uint64_t now = time_ns(), due;

		if (now >= until_ns || (until_back && engine_workers_back(&ctx->engine)))
			break;
		sample_free_pages(now, false);
		if (now < next_op_ns) {
			cpu_relax();
			continue;
		}
		count_missed(w, now, period);
		due = next_op_ns;
		next_op_ns += period;
		steady_op(w, node, due);
	}
	w->end_ns = time_ns();
}

void steady_catch_up(struct steady_window *w)
{
	uint64_t now = time_ns();

	count_missed(w, now, (uint64_t)period_us * 1000);
	w->end_ns = now;
}

void steady_start(void)
{
	uint64_t now = time_ns();

	free_count = 0;
	sample_every_ns = FIRST_SAMPLE_EVERY_NS;
	next_sample_ns = now;
	next_op_ns = now;
}

void steady_resume(void)
{
	next_op_ns = time_ns();
}

uint64_t steady_baseline_ns(void)
{
	return (uint64_t)after_ms * 1000000;
}

void steady_window_clear(struct steady_window *w)
{
	w->kept = 0;
	w->ops = w->failed = w->max_ns = 0;
}

void steady_waited(void)
{
	if (during_open)
		steady_catch_up(&during);
	during_open = false;
}

void steady_during(const struct strategy *s, const struct strategy_ctx *ctx)
{
	steady_window_clear(&during);
	steady_window_clear(&after);
	steady_window_clear(&after_busy);
	steady_start();
	during_open = s->wait != NULL; /* only a strategy that leaves work behind has a "during" */
	if (during_open)
		steady_serve(&during, ctx, time_ns() + strategy_timeout_ns(ctx), true);
}

/* Sort the kept latencies: a heap sort, since a window keeps thousands. */
static void sift_down(uint32_t *v, unsigned root, unsigned n)
{
	for (unsigned child; (child = 2 * root + 1) < n; root = child) {
		uint32_t t;

		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
	}
}

static void sort_latencies(uint32_t *v, unsigned n)
{
	for (unsigned i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (unsigned end = n; end-- > 1;) {
		uint32_t t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

/* A window's figures; null for a window without a single op (a strategy done when it returned). */
void rec_steady_window(struct record *r, const char *key, struct steady_window *w)
{
	if (!w->ops) {
		rec_null(r, key);
		return;
	}
	sort_latencies(w->ns, w->kept);
	rec_object_begin(r, key);
	rec_u64(r, "ops", w->ops);
	rec_u64(r, "failed", w->failed);
	rec_u64(r, "ns", w->end_ns - w->start_ns);
	rec_u64(r, "p50_ns", w->ns[w->kept / 2]);
	rec_u64(r, "p99_ns", w->ns[(uint64_t)w->kept * 99 / 100]);
	rec_u64(r, "max_ns", w->max_ns);
	rec_object_end(r);
}

void steady_after(const struct strategy *s, const struct strategy_ctx *ctx,
		  const struct run_label *label)
{
	struct record r;

	steady_resume(); /* the bookkeeping since the wait was not the workload's time: a baseline starts afresh */
	steady_serve(&after, ctx, time_ns() + steady_baseline_ns(), false);
	/*
	 * The control: the same baseline with the other CPUs polling, as busy
	 * for the host as when they wrote struct pages "during". Under an
	 * emulator, vCPUs that run compete for host cores and locks; what
	 * "during" has beyond this window is the run's own effect.
	 */
	smp_idle_poll(true);
	steady_resume();
	steady_serve(&after_busy, ctx, time_ns() + steady_baseline_ns(), false);
	smp_idle_poll(false);
	sample_free_pages(time_ns(), true); /* the last: what `free` shows once everything is in */
	record_begin(&r, "steady");
	rec_str(&r, "strategy", s->name);
	rec_u64(&r, "run", label->run);
	rec_u64(&r, "period_ns", (uint64_t)period_us * 1000);
	rec_u64(&r, "usable_ns", ctx->usable_ns);
	rec_u64(&r, "done_ns", ctx->done_ns);
	rec_steady_window(&r, "during", &during);
	rec_steady_window(&r, "after", &after);
	rec_steady_window(&r, "after_busy", &after_busy);
	rec_array_begin(&r, "free_samples");
	for (unsigned i = 0; i < free_count; i++) {
		rec_array_begin(&r, NULL);
		rec_u64(&r, NULL, free_samples[i][0]);
		rec_u64(&r, NULL, free_samples[i][1]);
		rec_array_end(&r);
	}
	rec_array_end(&r);
	record_end(&r);
}
