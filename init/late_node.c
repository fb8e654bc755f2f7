// SPDX-License-Identifier: MIT
#include "init/late_node.h"

#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"
#include "init/steady.h"
#include "mm/memmap_boot.h"
#include "smp/idle.h"
#include "smp/percpu.h"

#define NO_LATE_NODE UINT64_MAX

static uint64_t late_node = NO_LATE_NODE;
PARAM_U64("mem.late_node", late_node, 0, MAX_NODES - 1,
	  "hold node N's memory back at boot; after the run the same strategy brings it online while the "
	  "steady workload runs (@late_node)");

enum late_idle { LATE_IDLE_HALT, LATE_IDLE_POLL };

static const char *const late_idle_names[] = { [LATE_IDLE_HALT] = "halt", [LATE_IDLE_POLL] = "poll" };

static enum late_idle late_idle = LATE_IDLE_POLL;
PARAM_ENUM("mem.late_node_idle", late_idle, late_idle_names,
	   "how the other CPUs idle while the late node comes online: poll (a cross-call to them needs no IPI, "
	   "default) or halt (each costs its sender an IPI; smp/idle.h)");

static struct memmap without_late, only_late;
static struct strategy_ctx online_ctx = { .mm = &only_late, .buddy = &boot_buddy };
static struct steady_window idle, online;
static uint64_t caller_ipis, caller_ipis_spared; /* sent by the caller while run() held it */
static bool refused;

bool late_node_wanted(const struct memmap *full)
{
	if (late_node == NO_LATE_NODE || refused)
		return false;
	if (late_node < full->node_count && full->node_count > 1)
		return true;
	record_errorf("mem.late_node", "no node held back", "node %llu of a machine with %u node%s",
		      (unsigned long long)late_node, full->node_count, full->node_count == 1 ? "" : "s");
	refused = true;
	return false;
}

/* @full with only the late node's span (@late) or with every span but its (!@late). */
static void make_view(struct memmap *view, const struct memmap *full, bool late)
{
	*view = *full;
	view->present_pages = 0;
	for (unsigned n = 0; n < full->node_count; n++) {
		if ((n == late_node) != late)
			view->nodes[n].end_pfn = view->nodes[n].start_pfn;
		view->present_pages += memmap_present_pages_in(view, (int)n, 0, view->max_pfn);
	}
}

struct memmap *late_node_view(const struct memmap *full)
{
	make_view(&without_late, full, false);
	return &without_late;
}

static uint64_t last_end_ns(const struct strategy_ctx *ctx)
{
	uint64_t done = ctx->start_ns;

	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		if (ctx->nodes[n].end_ns > done)
			done = ctx->nodes[n].end_ns;
	return done;
}

static void report_late_node(const struct strategy *s, const struct strategy_ctx *ctx,
			     const struct run_label *label, uint64_t returned_ns, uint64_t done_ns, bool ok)
{
	struct record r;

	record_begin(&r, "late_node");
	rec_str(&r, "strategy", s->name);
	rec_u64(&r, "run", label->run);
	rec_u64(&r, "node", late_node);
	rec_u64(&r, "pages", memmap_node_ram_pages(ctx->mm, (int)late_node));
	rec_u64(&r, "request_ns", ctx->start_ns);
	rec_u64(&r, "caller_held_ns", returned_ns - ctx->start_ns);
	rec_u64(&r, "caller_pages", ctx->caller_pages);
	rec_str(&r, "idle_mode", late_idle_names[late_idle]);
	rec_u64(&r, "caller_ipis", caller_ipis);
	rec_u64(&r, "caller_ipis_spared", caller_ipis_spared);
	rec_u64(&r, "online_ns", done_ns - ctx->start_ns);
	rec_u64(&r, "cpu_ns", ctx->cpu_ns);
	rec_steady_window(&r, "idle", &idle);
	rec_steady_window(&r, "online", &online);
	rec_bool(&r, "ok", ok);
	record_end(&r);
}

bool late_node_online(const struct strategy *s, struct memmap *full, const struct run_label *label)
{
	struct strategy_ctx *ctx = &online_ctx;
	uint64_t generation = without_late.generation; /* the run before: one stamp for the whole map */
	uint64_t returned, done;
	bool ok;

	/*
	 * The harness's bookkeeping (the view, the run's counters cleared)
	 * before the idle window, not in the request: the request is run() alone.
	 */
	make_view(&only_late, full, true);
	strategy_run_begin(ctx, WORK_INIT);
	ctx->hotplug = true;
	ctx->caller_cpu = smp_processor_id();
	only_late.generation = generation;
	/* The baseline is measured with the other CPUs idling as they will meanwhile. */
	smp_idle_poll(late_idle == LATE_IDLE_POLL);
	steady_window_clear(&idle);
	steady_window_clear(&online);
	steady_start();
	steady_serve(&idle, ctx, time_ns() + steady_baseline_ns(), false);

	caller_ipis = smp_ipis_sent();
	caller_ipis_spared = smp_ipis_spared();
	ctx->start_ns = time_ns();
	s->run(ctx); /* a synchronous strategy holds the caller, the boot CPU, until the node is in */
	returned = time_ns();
	caller_ipis = smp_ipis_sent() - caller_ipis;
	caller_ipis_spared = smp_ipis_spared() - caller_ipis_spared;
	ctx->caller_back = true;
	ctx->usable_ns = ctx->usable_ns ? ctx->usable_ns : returned;
	/*
	 * The ops that fell due while run() held the boot CPU are counted first,
	 * at their delay; then, if it left work behind, the workload goes on until it is back.
	 */
	steady_serve(&online, ctx, s->wait ? ctx->start_ns + strategy_timeout_ns(ctx) : 0, true);
	ok = s->wait ? s->wait(ctx) : true;
	steady_catch_up(&online); /* what the caller did in the wait held the ops due meanwhile */
	done = last_end_ns(ctx);
	smp_idle_poll(false);
	ok &= strategy_run_account(ctx);
	full->generation = generation;
	report_late_node(s, ctx, label, returned, done, ok);
	return ok;
}
