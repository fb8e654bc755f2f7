// SPDX-License-Identifier: MIT
/*
 * overlap - init that starts as each CPU wakes. xcall's jobs (each node's
 * span in aligned chunks that its own CPUs claim, stealing on) are planned
 * before the first INIT, for the boot CPU and every AP about to be woken.
 * Each AP joins the run the moment it is online, inside smp_boot; the boot
 * CPU writes chunks while it waits for the APs, and finishes its share
 * after smp_boot. Linux starts deferred init only once every CPU is up;
 * xcall does the same. overlap wins by the AP bring-up time that xcall
 * waits out: done, counted from time zero, comes earlier by up to that.
 *
 * Only the boot's run can overlap the bring-up: in benchmark mode the APs
 * are up already, so a warm run of overlap is an xcall run and says so
 * ("warm: as xcall" in its params, "early": false).
 */
#include "arch/x86_64/string.h"
#include "init/format.h"
#include "init/record.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "strategies/strategy.h"

/* The boot's run, begun before the APs woke. */
struct overlap_run {
	struct strategy_ctx *ctx;
	uint64_t early_pages; /* struct pages written before run() came: inside and just after smp_boot */
	unsigned dropped;     /* APs that never came online, their share done by the others */
};

static struct overlap_run overlap_state;

static void ap_online(void *arg)
{
	struct overlap_run *o = arg;

	engine_join(&o->ctx->engine);
}

static bool boot_cpu_step(void *arg)
{
	struct overlap_run *o = arg;

	return engine_work_step(&o->ctx->engine);
}

static void ap_failed(void *arg, unsigned cpu)
{
	struct overlap_run *o = arg;

	if (!engine_drop(&o->ctx->engine, cpu))
		return;
	o->dropped++;
	record_errorf("worker cpu", "its work done by the other CPUs",
		      "cpu %u never came online to join the overlap run", cpu);
}

static const struct smp_wake_work overlap_wake_work = {
	.ap_online = ap_online,
	.boot_cpu_step = boot_cpu_step,
	.ap_failed = ap_failed,
	.arg = &overlap_state,
};

/* Plan the boot CPU and every AP about to be woken, as xcall plans the online CPUs. */
static const struct smp_wake_work *overlap_early(struct strategy_ctx *ctx)
{
	struct cpumask workers = { { 0 } };

	overlap_state = (struct overlap_run){ .ctx = ctx };
	ctx->priv = &overlap_state;
	cpumask_set(&workers, smp_processor_id());
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++)
		if (cpu_area[cpu] && cpu_area[cpu]->state == CPU_WAKING)
			cpumask_set(&workers, cpu);
	engine_plan(&ctx->engine, &workers, true);
	engine_jobs_sized(&ctx->engine, MAX_ORDER_NR_PAGES, 0);
	ctx->parallel_cpus = cpumask_weight(&workers);
	engine_arm(&ctx->engine);
	return &overlap_wake_work;
}

static void overlap_run(struct strategy_ctx *ctx)
{
	struct overlap_run *o = ctx->priv;

	if (!o) { /* a warm run of benchmark mode: the APs are up, nothing to overlap */
		char xcall_params[sizeof(ctx->params)];

		strategy_find("xcall")->run(ctx);
		memcpy(xcall_params, ctx->params, sizeof(xcall_params));
		ksnprintf(ctx->params, sizeof(ctx->params), "warm: as xcall, %s", xcall_params);
		return;
	}
	o->early_pages = __atomic_load_n(&ctx->pages_written, __ATOMIC_RELAXED);
	ksnprintf(ctx->params, sizeof(ctx->params), "threads=all steal=on cpus=%u dropped=%u",
		  ctx->parallel_cpus, o->dropped);
	engine_work(&ctx->engine);
	engine_wait(&ctx->engine);
}

static void overlap_report(const struct strategy_ctx *ctx, struct record *r)
{
	const struct overlap_run *o = ctx->priv;

	rec_bool(r, "early", o != NULL);
	rec_u64(r, "early_pages", o ? o->early_pages : 0);
}

static const struct strategy overlap = {
	.name = "overlap",
	.help = "xcall's jobs, begun as each CPU wakes: APs join inside smp_boot, the boot CPU works while it waits",
	.run = overlap_run,
	.report = overlap_report,
	.early = overlap_early,
};
STRATEGY(overlap);
