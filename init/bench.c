// SPDX-License-Identifier: MIT
#include "init/bench.h"

#include "arch/x86_64/tsc.h"
#include "init/memmap_run.h"
#include "init/record.h"
#include "init/span.h"
#include "smp/percpu.h"

#define MAX_STRATEGIES 8
#define ROUNDS_CAP 64

struct strategy_times {
	const struct strategy *s;
	uint64_t done[ROUNDS_CAP], usable[ROUNDS_CAP]; /* durations from each run's start */
	unsigned cpus;
	uint64_t cold_done; /* 0: this strategy did not run cold */
};

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Stream the mem_map's bytes with the given CPUs (xcall's scheduling, stealing): ns taken. */
static uint64_t fill_with(struct strategy_ctx *ctx, const struct cpumask *cpus)
{
	uint64_t t0;

	buddy_init(ctx->buddy, ctx->mm);
	strategy_ctx_reset(ctx);
	ctx->fill = true;
	strategy_plan(ctx, cpus, true);
	strategy_jobs_init(ctx, MAX_ORDER_NR_PAGES, cpumask_weight(cpus));
	t0 = time_ns();
	strategy_start_workers(ctx, true);
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

static void report_bench(const struct strategy_times *t, unsigned rounds, uint64_t bytes,
			 uint64_t total_pages, uint64_t fill1, uint64_t fill_all)
{
	uint64_t done[ROUNDS_CAP], usable[ROUNDS_CAP], median, fill;
	unsigned all = cpumask_weight(&cpu_online_mask);
	struct record r;

	for (unsigned i = 0; i < rounds; i++) {
		done[i] = t->done[i];
		usable[i] = t->usable[i];
	}
	sort_u64(done, rounds);
	sort_u64(usable, rounds);
	median = done[rounds / 2];
	fill = fill_rate_of(t->cpus, all, fill1, fill_all);
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
	rec_milli(&r, "fill_1cpu_gbps", fill1);
	rec_milli(&r, "fill_all_gbps", fill_all);
	/* Its bytes per second against the fill rate of as many CPUs as it had writing at once. */
	rec_milli(&r, "efficiency", fill ? gbps_milli(bytes, median) * 1000 / fill : 0);
	rec_u64(&r, "mem_map_bytes", bytes);
	rec_u64(&r, "online_cpus", all);
	record_end(&r);
}

bool bench_run(struct strategy_ctx *ctx)
{
	static struct strategy_times times[MAX_STRATEGIES];
	unsigned nr = 0, rounds = strategy_rounds(), run = 0;
	uint64_t fill1[ROUNDS_CAP], fill_all[ROUNDS_CAP], digest = 0, d, bytes, total_pages = 0;
	struct cpumask boot_cpu = { { 0 } };
	bool ok = true;

	for_each_strategy(s)
		if (nr < MAX_STRATEGIES)
			times[nr++] = (struct strategy_times){ .s = *s };
	cpumask_set(&boot_cpu, smp_processor_id());
	strategy_ctx_reset(ctx);
	bytes = ctx->span_pages * sizeof(struct page);
	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		total_pages += memmap_node_ram_pages(ctx->mm, (int)n);

	/* The cold pass: what a boot of the default strategy really costs. */
	for (unsigned i = 0; i < nr; i++) {
		const struct run_label label = { run, -1, true };

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
		for (unsigned i = 0; i < nr; i++) {
			const struct run_label label = { run++, (int)round, false };

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
	}
	/* The fills' best: the limit is what the machine can do, not its average. */
	sort_u64(fill1, rounds);
	sort_u64(fill_all, rounds);
	for (unsigned i = 0; i < nr; i++)
		report_bench(&times[i], rounds, bytes, total_pages, fill1[rounds - 1], fill_all[rounds - 1]);
	return ok;
}
