// SPDX-License-Identifier: MIT
#include "init/memmap_run.h"

#include "init/bench.h"
#include "init/console.h"

#include "arch/x86_64/tsc.h"
#include "init/debug.h"
#include "init/params.h"
#include "init/pool_exhaust.h"
#include "init/record.h"
#include "init/kmalloc_report.h"
#include "init/percpu_report.h"
#include "init/late_node.h"
#include "init/span.h"
#include "init/steady.h"
#include "init/workload.h"
#include "mm/code_pages.h"
#include "mm/kmalloc.h"
#include "mm/memmap_boot.h"
#include "mm/verify.h"
#include "smp/percpu.h"
#include "smp/topology.h"
#include "strategies/numa_model.h"
#include "strategies/strategy.h"

static enum verify_mode verify_mode = VERIFY_FULL;

static const char *const verify_mode_names[] = {
	[VERIFY_OFF] = "off", [VERIFY_SAMPLE] = "sample", [VERIFY_FULL] = "full",
};
PARAM_ENUM("verify", verify_mode, verify_mode_names,
	   "check the mem_map after init: every page, a sample, or none (default full)");

PARAM_BOOL("memmap.streaming", boot_memmap.streaming,
	   "write struct pages with non-temporal stores (default on)");
PARAM_ENUM("memmap.method", boot_memmap.method, memmap_method_names,
	   "per-page loop: store each field, or copy the run's template page (default fields)");
PARAM_ENUM("memmap.template_store", boot_memmap.template_store, template_store_names,
	   "stores of memmap.method=template: 8-byte, 8-byte non-temporal, 16-byte, 16-byte non-temporal (default movntdq)");

#define NO_PFN UINT64_MAX
static uint64_t corrupt_pfn = NO_PFN;
PARAM_U64("debug.corrupt_page", corrupt_pfn, 0, NO_PFN - 1,
	  "corrupt the struct page of this pfn after init (verification must name it)");

static void corrupt_if_asked(void)
{
	struct page *p;

	if (corrupt_pfn == NO_PFN)
		return;
	p = pfn_to_page(&boot_memmap, corrupt_pfn);
	if (!p) {
		record_errorf("debug.corrupt_page", "nothing corrupted", "pfn %#llx is in no node's span",
			      (unsigned long long)corrupt_pfn);
		return;
	}
	p->mapping ^= 0xdead0000ull; /* a field no code path writes after init */
}

static void report_mismatch(const struct verify_result *v, const struct run_label *label)
{
	struct record r;

	record_begin(&r, "error");
	rec_str(&r, "what", "mem_map verification");
	rec_u64(&r, "run", label->run);
	if (v->bad_pfn == UINT64_MAX) /* a counter or a list head, not a page */
		rec_strf(&r, "detail", "%s is %#llx, expected %#llx (%s)", v->bad_field,
			 (unsigned long long)v->bad_value, (unsigned long long)v->expected_value,
			 v->detail);
	else
		rec_strf(&r, "detail", "pfn %#llx: %s is %#llx, expected %#llx (%s)",
			 (unsigned long long)v->bad_pfn, v->bad_field,
			 (unsigned long long)v->bad_value, (unsigned long long)v->expected_value,
			 v->detail);
	rec_str(&r, "action", "result reported as not verified; boot fails");
	if (v->bad_pfn == UINT64_MAX)
		rec_null(&r, "pfn");
	else
		rec_u64(&r, "pfn", v->bad_pfn);
	rec_str(&r, "field", v->bad_field);
	record_end(&r);
}

/* Did every CPU that wrote node @n's struct pages sit on the node they live on? */
static bool writers_local(const struct strategy_ctx *ctx, unsigned n)
{
	for_each_cpu_in(cpu, &ctx->nodes[n].cpus)
		if (cpu_node(cpu) != boot_memmap.nodes[n].map_node)
			return false;
	return true;
}

/* "verified": true only after a full check; a check of less that found nothing says what it was. */
static void rec_verified(struct record *r, bool ok)
{
	if (!ok)
		rec_bool(r, "verified", false);
	else if (verify_mode == VERIFY_FULL)
		rec_bool(r, "verified", true);
	else
		rec_str(r, "verified", verify_mode_names[verify_mode]);
}

static void report_result(const struct strategy *s, const struct strategy_ctx *ctx,
			  const struct verify_result *v, uint64_t digest, uint64_t verify_ns,
			  const struct run_label *label, bool account_ok)
{
	/* Grows with the nodes (64 of them pass 6 KiB); only the boot CPU reports. */
	static char storage[32 << 10];
	struct record r;

	record_begin_in(&r, "result", storage, sizeof(storage));
	rec_str(&r, "strategy", s->name);
	rec_str(&r, "params", ctx->params);
	rec_u64(&r, "total_pages", v->total_pages);
	rec_u64(&r, "free_pages", v->free_pages);
	rec_u64(&r, "reserved_pages", v->reserved_pages);
	rec_u64(&r, "allocated_pages", v->allocated_pages);
	rec_strf(&r, "digest", "%016llx", (unsigned long long)digest);
	rec_verified(&r, v->ok && account_ok);
	rec_u64(&r, "usable_ns", ctx->usable_ns);
	rec_u64(&r, "done_ns", ctx->done_ns);
	rec_array_begin(&r, "nodes");
	for (unsigned n = 0; n < boot_memmap.node_count; n++) {
		const struct strategy_node_result *nr = &ctx->nodes[n];

		rec_object_begin(&r, NULL);
		rec_u64(&r, "id", n);
		rec_u64(&r, "pages", memmap_node_ram_pages(&boot_memmap, (int)n));
		rec_u64(&r, "ns", nr->end_ns - nr->start_ns);
		rec_array_begin(&r, "cpus");
		for_each_cpu_in(cpu, &nr->cpus)
			rec_u64(&r, NULL, cpu);
		rec_array_end(&r);
		rec_u64(&r, "span_pages", boot_memmap.nodes[n].end_pfn - boot_memmap.nodes[n].start_pfn);
		rec_i64(&r, "memmap_node", boot_memmap.nodes[n].map_node);
		rec_bool(&r, "writers_local", writers_local(ctx, n));
		rec_object_end(&r);
	}
	rec_array_end(&r);
	rec_array_begin(&r, "free_samples"); /* [ns, free pages] as memory arrived; the last at done_ns */
	for (unsigned i = 0; i < ctx->nr_samples && i < FREE_SAMPLES_MAX; i++) {
		rec_array_begin(&r, NULL);
		rec_u64(&r, NULL, ctx->samples[i][0]);
		rec_u64(&r, NULL, ctx->samples[i][1]);
		rec_array_end(&r);
	}
	rec_array_end(&r);
	/* Added keys. */
	rec_u64(&r, "start_ns", ctx->start_ns);
	rec_u64(&r, "hole_pages", v->hole_pages);
	/* The struct pages' bytes, and the span pages without one (in 128 MiB without RAM). */
	rec_u64(&r, "mem_map_bytes", memmap_present_pages(&boot_memmap) * sizeof(struct page));
	rec_u64(&r, "absent_pages", memmap_span_pages(&boot_memmap) - memmap_present_pages(&boot_memmap));
	rec_str(&r, "verify", verify_mode_names[verify_mode]);
	rec_u64(&r, "verify_ns", verify_ns);
	rec_u64(&r, "ns_per_page", v->total_pages ? (ctx->done_ns - ctx->start_ns) / v->total_pages : 0);
	rec_bool(&r, "streaming", boot_memmap.streaming);
	rec_str(&r, "method", memmap_method_names[ctx->mm->method]); /* benchmark mode runs each */
	rec_str(&r, "template_store", template_store_names[ctx->mm->template_store]);
	rec_str(&r, "model", numa_model_on() ? "slit" : "off");
	rec_u64(&r, "cpus", ctx->parallel_cpus);
	rec_u64(&r, "cpu_ns", ctx->cpu_ns);
	if (s->report)
		s->report(ctx, &r);
	rec_u64(&r, "run", label->run);
	rec_u64(&r, "generation", ctx->engine.generation);
	rec_u64(&r, "chunks", engine_chunks(&ctx->engine));
	rec_u64(&r, "chunks_written", ctx->engine.chunks_written);
	rec_u64(&r, "pages_written", ctx->pages_written);
	rec_bool(&r, "cold", label->cold);
	if (label->steady)
		rec_bool(&r, "steady", true);
	if (label->method_run)
		rec_bool(&r, "method_run", true);
	if (label->round >= 0)
		rec_i64(&r, "round", label->round);
	record_end(&r);
}

/* The run whose memory may still be arriving: what meminit_wait() waits for. */
static const struct strategy *arriving;
static struct strategy_ctx *arriving_ctx;

bool meminit_wait(void)
{
	const struct strategy *s = arriving;

	arriving = NULL;
	return s ? s->wait(arriving_ctx) : true;
}

/* A run's start: empty buddy lists (every run builds them from nothing), a new generation, start_ns. */
static void run_begin(struct strategy_ctx *ctx)
{
	buddy_init(&boot_buddy, &boot_memmap);
	strategy_run_begin(ctx, WORK_INIT);
	ctx->start_ns = time_ns();
}

/* @s->run on a begun run: returns when the boot could go on. */
static void run_on(const struct strategy *s, struct strategy_ctx *ctx)
{
	s->run(ctx);
	/*
	 * A strategy that leaves work behind says when the boot could go on;
	 * for the rest it is now, when run() has returned on the boot CPU.
	 */
	ctx->usable_ns = ctx->usable_ns ? ctx->usable_ns : time_ns();
	if (s->wait) {
		arriving = s;
		arriving_ctx = ctx;
	}
}

void memmap_run_start(const struct strategy *s, struct strategy_ctx *ctx)
{
	debug_kill_cpu_if_asked();             /* debug.dead_cpu=: before the first run sends it work */
	debug_overflow_if_asked();             /* debug.stack_overflow=: with every CPU up */
	run_begin(ctx);
	run_on(s, ctx);
}

bool memmap_run_finish(const struct strategy *s, struct strategy_ctx *ctx)
{
	bool ok = meminit_wait();

	if (steady_wanted())
		steady_waited();
	/* Done: when the last piece of work ended, on whichever CPU. */
	for (unsigned n = 0; n < boot_memmap.node_count; n++)
		if (ctx->nodes[n].end_ns > ctx->done_ns)
			ctx->done_ns = ctx->nodes[n].end_ns;
	if (ctx->done_ns < ctx->start_ns) /* no work at all */
		ctx->done_ns = ctx->start_ns;
	ctx->account_ok = strategy_run_account(ctx);
	/* CPUs take samples concurrently: put them in time order. Then the last: everything has arrived. */
	if (ctx->nr_samples > FREE_SAMPLES_MAX - 1)
		ctx->nr_samples = FREE_SAMPLES_MAX - 1;
	for (unsigned i = 1; i < ctx->nr_samples; i++)
		for (unsigned j = i; j > 0 && ctx->samples[j - 1][0] > ctx->samples[j][0]; j--) {
			uint64_t t0 = ctx->samples[j][0], t1 = ctx->samples[j][1];

			ctx->samples[j][0] = ctx->samples[j - 1][0];
			ctx->samples[j][1] = ctx->samples[j - 1][1];
			ctx->samples[j - 1][0] = t0;
			ctx->samples[j - 1][1] = t1;
		}
	ctx->samples[ctx->nr_samples][0] = ctx->done_ns;
	ctx->samples[ctx->nr_samples][1] = buddy_free_pages(&boot_buddy, -1);
	ctx->nr_samples++;
	return ok;
}

/* What verification found, for the report. */
struct run_check {
	struct verify_result v;
	uint64_t digest, verify_ns;
};

static void run_verify(struct run_check *c)
{
	uint64_t t = time_ns();

	memmap_verify(&boot_memmap, &boot_buddy, verify_mode, &c->v);
	c->digest = memmap_digest(&boot_memmap);
	c->verify_ns = time_ns() - t;
}

static bool run_report(const struct strategy *s, const struct strategy_ctx *ctx,
		       const struct run_check *c, const struct run_label *label)
{
	if (!c->v.ok)
		report_mismatch(&c->v, label);
	span_set_run(label->run);
	spans_report();
	report_result(s, ctx, &c->v, c->digest, c->verify_ns, label, ctx->account_ok);
	return c->v.ok && ctx->account_ok;
}

bool memmap_run_check(const struct strategy *s, const struct strategy_ctx *ctx,
		      const struct run_label *label, uint64_t *digest_out)
{
	struct run_check c;

	run_verify(&c);
	if (digest_out)
		*digest_out = c.digest;
	return run_report(s, ctx, &c, label);
}

/*
 * Once per boot, after the last run: what boot gave back late (@kmalloc),
 * the emulator's guarded pages (@code_pages), and the per-CPU units
 * (@percpu, after kmalloc's: a dynamic page now comes from the buddy allocator).
 */
static void report_boot_memory(void)
{
	kmalloc_report();
	code_pages_report();
	percpu_report();
}

static struct strategy_ctx boot_ctx = { .mm = &boot_memmap, .buddy = &boot_buddy };

/* The mem_map's layout: not yet made, made (before smp_boot_wake under overlap), or refused. */
static enum { SETUP_NOT_YET, SETUP_DONE, SETUP_FAILED } setup_state;

static bool memmap_setup_once(void)
{
	if (setup_state == SETUP_NOT_YET) {
		boot_phase("memmap_setup");
		setup_state = memmap_boot_setup(&numa) ? SETUP_DONE : SETUP_FAILED;
	}
	return setup_state == SETUP_DONE;
}

const struct smp_wake_work *memmap_run_early(void)
{
	const struct strategy *s = strategy_selected();

	if (!s || !s->early)
		return NULL; /* every other strategy: the mem_map after smp_boot */
	if (!memmap_setup_once())
		return NULL;
	boot_phase("memmap_start"); /* the run begun and planned, before the first INIT */
	run_begin(&boot_ctx);
	return s->early(&boot_ctx);
}

bool memmap_run(void)
{
	const struct strategy *s = strategy_selected();
	const struct run_label label = { .run = 0, .round = -1, .cold = true };
	struct run_check check;
	bool ok;

	if (!memmap_setup_once())
		return false;
	if (!s) { /* strategy=all: its runs' spans and results are the detail */
		boot_phase("console_flush");
		console_flush();
		boot_phase("bench");
		ok = bench_run(&boot_ctx);
		kmalloc_advance(KMALLOC_SLAB); /* the runs are over: the buddy allocator keeps what it holds */
		report_boot_memory();
		return ok;
	}
	if (late_node_wanted(&boot_memmap))
		boot_ctx.mm = late_node_view(&boot_memmap); /* mem.late_node: the run without it */
	boot_phase("memmap_run");       /* the boot CPU's share: its memmap_init spans lie inside */
	if (s->early) {                 /* begun before smp_boot woke the APs (memmap_run_early) */
		debug_kill_cpu_if_asked(); /* the first moment the APs are up: stops that CPU wherever its work is */
		debug_overflow_if_asked();
		run_on(s, &boot_ctx);
	} else {
		memmap_run_start(s, &boot_ctx);
	}
	kmalloc_advance(KMALLOC_SLAB);  /* usable: kmalloc is the slab allocator's from here */
	boot_phase("boot_rest");        /* under async, while memory arrives */
	boot_workload();                /* the rest of the boot: a failure is its own @error, not the boot's */
	pool_exhaust_if_asked();        /* boot.pool_exhaust=on: a mempool's callers under exhausted memory */
	if (steady_wanted())
		steady_during(s, &boot_ctx);   /* steady=on: a service allocating while memory arrives */
	boot_phase("memmap_wait");
	ok = memmap_run_finish(s, &boot_ctx);
	if (steady_wanted()) {
		boot_phase("steady");       /* its baseline once everything is in, and @steady */
		steady_after(s, &boot_ctx, &label);
	}
	if (boot_ctx.mm != &boot_memmap) {
		boot_phase("late_node");    /* the held-back node brought online, the workload running */
		ok &= late_node_online(s, &boot_memmap, &label);
		boot_ctx.mm = &boot_memmap;
	}
	boot_phase("verify");
	corrupt_if_asked();
	run_verify(&check);
	boot_phase("report_run");
	console_flush();                /* what the boot said so far, kept out of the timed part */
	report_boot_memory();
	return run_report(s, &boot_ctx, &check, &label) && ok;
}
