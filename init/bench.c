// SPDX-License-Identifier: MIT
#include "init/bench.h"

#include "arch/x86_64/tsc.h"
#include "init/memmap_run.h"
#include "init/record.h"
#include "init/late_node.h"
#include "init/sort.h"
#include "init/span.h"
#include "init/steady.h"
#include "mm/memmap.h"
#include "smp/percpu.h"

#define MAX_STRATEGIES 8

struct strategy_times {
	const struct strategy *s;
	uint64_t done[STRATEGY_ROUNDS_MAX], usable[STRATEGY_ROUNDS_MAX]; /* durations from each run's start */
	unsigned cpus;
	uint64_t cold_done; /* 0: this strategy did not run cold */
};

/*
 * Stream the mem_map's bytes with the given CPUs (xcall's scheduling,
 * stealing; memmap.streaming's stores): ns taken. It also leaves every
 * struct page stamped with no run's generation, so the next strategy
 * starts from a mem_map unlike any correct result.
 */
static uint64_t fill_with(struct strategy_ctx *ctx, const struct cpumask *cpus)
{
	uint64_t t0;

	buddy_init(ctx->buddy, ctx->mm);
	strategy_run_begin(ctx, WORK_FILL);
	engine_plan(&ctx->engine, cpus, true);
	engine_jobs_sized(&ctx->engine, MAX_ORDER_NR_PAGES, cpumask_weight(cpus));
	t0 = time_ns();
	engine_start(&ctx->engine, true);
	return time_ns() - t0;
}

/* GB/s in thousandths from @bytes in @ns. */
static uint64_t gbps_milli(uint64_t bytes, uint64_t ns)
{
	return ns ? bytes * 1000 / ns : 0;
}

/* The fill rate of @k CPUs, between one CPU's and all CPUs' (measured), linear in between. */
static uint64_t fill_rate_of(unsigned k, unsigned all, uint64_t one, uint64_t every)
{
	if (k <= 1 || all <= 1)
		return one;
	if (k >= all)
		return every;
	return one + (every - one) * (k - 1) / (all - 1);
}

/* The fill limit: GB/s of one CPU and of all, from the rounds' median and from their best time. */
struct fill_limit {
	uint64_t one_median, all_median, one_best, all_best;
};

static void report_bench(const struct strategy_times *t, unsigned rounds, uint64_t bytes,
			 uint64_t total_pages, const struct fill_limit *fl)
{
	uint64_t done[STRATEGY_ROUNDS_MAX], usable[STRATEGY_ROUNDS_MAX], median, fill, fill_best;
	unsigned all = cpumask_weight(&cpu_online_mask);
	struct record r;

	for (unsigned i = 0; i < rounds; i++) {
		done[i] = t->done[i];
		usable[i] = t->usable[i];
	}
	sort_u64(done, rounds);
	sort_u64(usable, rounds);
	median = done[rounds / 2];
	fill = fill_rate_of(t->cpus, all, fl->one_median, fl->all_median);
	fill_best = fill_rate_of(t->cpus, all, fl->one_best, fl->all_best);
	record_begin(&r, "bench");
	rec_str(&r, "strategy", t->s->name);
	rec_u64(&r, "rounds", rounds);
	if (t->cold_done)
		rec_u64(&r, "cold_done_ns", t->cold_done);
	else
		rec_null(&r, "cold_done_ns"); /* one cold pass per boot: bench/ boots once per strategy */
	rec_u64(&r, "done_ns_min", done[0]);
	rec_u64(&r, "done_ns_median", median);
	rec_u64(&r, "done_ns_max", done[rounds - 1]);
	rec_u64(&r, "usable_ns_min", usable[0]);
	rec_u64(&r, "usable_ns_median", usable[rounds / 2]);
	rec_milli(&r, "ns_per_page", total_pages ? median * 1000 / total_pages : 0);
	rec_u64(&r, "cpus", t->cpus);
	/* The fill limit by the strategies' own statistics: the rounds' median, and their best. */
	rec_milli(&r, "fill_1cpu_gbps", fl->one_median);
	rec_milli(&r, "fill_all_gbps", fl->all_median);
	rec_milli(&r, "fill_1cpu_gbps_best", fl->one_best);
	rec_milli(&r, "fill_all_gbps_best", fl->all_best);
	/* Its bytes per second against the fill rate of as many CPUs as it had writing at once. */
	rec_milli(&r, "efficiency", fill ? gbps_milli(bytes, median) * 1000 / fill : 0);
	rec_milli(&r, "efficiency_best", fill_best ? gbps_milli(bytes, done[0]) * 1000 / fill_best : 0);
	rec_u64(&r, "mem_map_bytes", bytes);
	rec_u64(&r, "online_cpus", all);
	record_end(&r);
}

/*
 * The per-page methods, each run by bsp (one CPU writes the whole mem_map,
 * so the figure is the loop's own, beside the one-CPU fill) in every round,
 * the order swapped each round; each run verified and digested like the
 * strategies' runs.
 */
struct method_times {
	uint64_t done[STRATEGY_ROUNDS_MAX];
};

static bool run_methods(struct strategy_ctx *ctx, const struct strategy *bsp, unsigned round,
			unsigned *run, uint64_t digest, struct method_times *mt)
{
	const enum memmap_method configured = ctx->mm->method;
	bool ok = true;
	uint64_t d;

	for (unsigned slot = 0; slot < MEMMAP_METHODS; slot++) {
		/* No round: the strategies' statistics leave these runs out. */
		const struct run_label label = { .run = (*run)++, .round = -1, .method_run = true };
		enum memmap_method m = (enum memmap_method)((slot + round) % MEMMAP_METHODS);

		ctx->mm->method = m;
		memmap_run_start(bsp, ctx);
		ok &= memmap_run_finish(bsp, ctx);
		mt[m].done[round] = ctx->done_ns - ctx->start_ns;
		ok &= memmap_run_check(bsp, ctx, &label, &d);
		if (d != digest) {
			record_errorf("bench", "boot fails", "memmap.method=%s round %u left digest %016llx, not %016llx",
				      memmap_method_names[m], round, (unsigned long long)d,
				      (unsigned long long)digest);
			ok = false;
		}
	}
	ctx->mm->method = configured;
	return ok;
}

/* One @bench_method: a method's rounds against the one-CPU fill of the same boot. */
static void report_method(const struct memmap *mm, enum memmap_method m, const struct method_times *mt,
			  unsigned rounds, uint64_t bytes, uint64_t total_pages, const struct fill_limit *fl)
{
	uint64_t done[STRATEGY_ROUNDS_MAX];
	struct record r;

	for (unsigned i = 0; i < rounds; i++)
		done[i] = mt->done[i];
	sort_u64(done, rounds);
	record_begin(&r, "bench_method");
	rec_str(&r, "method", memmap_method_names[m]);
	if (m == MEMMAP_TEMPLATE)
		rec_str(&r, "stores", template_store_names[mm->template_store]);
	else
		rec_str(&r, "stores", mm->streaming ? "movnti" : "plain");
	rec_bool(&r, "default", m == mm->method);
	rec_str(&r, "strategy", "bsp");
	rec_u64(&r, "rounds", rounds);
	rec_u64(&r, "done_ns_min", done[0]);
	rec_u64(&r, "done_ns_median", done[rounds / 2]);
	rec_u64(&r, "done_ns_max", done[rounds - 1]);
	rec_milli(&r, "ns_per_page_min", total_pages ? done[0] * 1000 / total_pages : 0);
	rec_milli(&r, "ns_per_page_median", total_pages ? done[rounds / 2] * 1000 / total_pages : 0);
	rec_milli(&r, "ns_per_page_max", total_pages ? done[rounds - 1] * 1000 / total_pages : 0);
	rec_milli(&r, "fill_1cpu_gbps", fl->one_median);
	rec_milli(&r, "fill_1cpu_gbps_best", fl->one_best);
	rec_milli(&r, "efficiency", fl->one_median ? gbps_milli(bytes, done[rounds / 2]) * 1000 / fl->one_median : 0);
	rec_milli(&r, "efficiency_best", fl->one_best ? gbps_milli(bytes, done[0]) * 1000 / fl->one_best : 0);
	rec_u64(&r, "mem_map_bytes", bytes);
	record_end(&r);
}

bool bench_run(struct strategy_ctx *ctx)
{
	static struct strategy_times times[MAX_STRATEGIES];
	static struct method_times method_times[MEMMAP_METHODS];
	const struct strategy *bsp = strategy_find("bsp");
	unsigned nr = 0, rounds = strategy_rounds(), run = 0;
	uint64_t fill1[STRATEGY_ROUNDS_MAX] = { 0 }, fill_all[STRATEGY_ROUNDS_MAX] = { 0 };
	uint64_t digest = 0, d, bytes, total_pages = 0;
	struct fill_limit fl;
	struct cpumask boot_cpu = { { 0 } };
	bool ok = true;

	for_each_strategy(s)
		if (nr < MAX_STRATEGIES)
			times[nr++] = (struct strategy_times){ .s = *s };
	cpumask_set(&boot_cpu, smp_processor_id());
	bytes = memmap_present_pages(ctx->mm) * sizeof(struct page); /* what a fill writes */
	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		total_pages += memmap_node_ram_pages(ctx->mm, (int)n);

	/* The cold pass: what a boot of the default strategy really costs. */
	for (unsigned i = 0; i < nr; i++) {
		const struct run_label label = { .run = run, .round = -1, .cold = true };

		if (times[i].s != strategy_default())
			continue;
		run++;
		memmap_run_start(times[i].s, ctx);
		ok &= memmap_run_finish(times[i].s, ctx);
		times[i].cold_done = ctx->done_ns - ctx->start_ns;
		ok &= memmap_run_check(times[i].s, ctx, &label, &digest);
	}
	for (unsigned round = 0; round < rounds; round++) {
		fill1[round] = gbps_milli(bytes, fill_with(ctx, &boot_cpu));
		fill_all[round] = gbps_milli(bytes, fill_with(ctx, &cpu_online_mask));
		spans_discard();
		/*
		 * A Latin square: round r starts with strategy r mod nr, so over nr
		 * rounds each strategy runs once in every position, and none always
		 * follows the same one (a warm cache, a host core just freed).
		 */
		for (unsigned slot = 0; slot < nr; slot++) {
			const struct run_label label = { .run = run++, .round = (int)round };
			unsigned i = (slot + round) % nr;

			memmap_run_start(times[i].s, ctx);
			ok &= memmap_run_finish(times[i].s, ctx);
			times[i].done[round] = ctx->done_ns - ctx->start_ns;
			times[i].usable[round] = ctx->usable_ns - ctx->start_ns;
			times[i].cpus = ctx->parallel_cpus;
			ok &= memmap_run_check(times[i].s, ctx, &label, &d);
			if (d != digest) {
				record_errorf("bench", "boot fails", "%s round %u left digest %016llx, not %016llx",
					      times[i].s->name, round, (unsigned long long)d,
					      (unsigned long long)digest);
				ok = false;
			}
		}
		if (bsp)
			ok &= run_methods(ctx, bsp, round, &run, digest, method_times);
	}
	/*
	 * One more run each, outside the timed rounds, for the thread's claims:
	 * the steady workload (@steady), and a held-back node brought online (@late_node).
	 */
	for (unsigned i = 0; (steady_wanted() || late_node_wanted(ctx->mm)) && i < nr; i++) {
		const struct run_label label = { .run = run++, .round = -1, .steady = true };
		struct memmap *full = ctx->mm;

		if (late_node_wanted(full))
			ctx->mm = late_node_view(full);
		memmap_run_start(times[i].s, ctx);
		if (steady_wanted())
			steady_during(times[i].s, ctx);
		ok &= memmap_run_finish(times[i].s, ctx);
		if (steady_wanted())
			steady_after(times[i].s, ctx, &label);
		if (ctx->mm != full) {
			ok &= late_node_online(times[i].s, full, &label);
			ctx->mm = full;
		}
		ok &= memmap_run_check(times[i].s, ctx, &label, &d);
	}
	/* The fills by the strategies' statistics: the median for efficiency, the best beside it. */
	sort_u64(fill1, rounds);
	sort_u64(fill_all, rounds);
	fl = (struct fill_limit){ .one_median = fill1[rounds / 2], .all_median = fill_all[rounds / 2],
				  .one_best = fill1[rounds - 1], .all_best = fill_all[rounds - 1] };
	for (unsigned i = 0; i < nr; i++)
		report_bench(&times[i], rounds, bytes, total_pages, &fl);
	for (unsigned m = 0; bsp && m < MEMMAP_METHODS; m++)
		report_method(ctx->mm, (enum memmap_method)m, &method_times[m], rounds, bytes, total_pages, &fl);
	return ok;
}
