// SPDX-License-Identifier: MIT
/*
 * ondemand - SGI's 2013 RFC, "transparent on-demand struct page
 * initialization embedded in the buddy allocator", built as proposed so
 * that it can be priced: Linus rejected it for the test it adds to every
 * allocation ("no reason for any extra flags or tests at runtime"), and
 * selftest=alloc_speed measures that test. It wins on how soon the boot
 * can go on; it pays on every allocation and free, for the life of the
 * system, whether or not anything is still uninitialized.
 *
 * What the boot writes, and why no more: the struct pages an allocation
 * can reach. Each node is seen in max-order blocks (4 MiB, mm/buddy.h):
 *   - a block all free RAM gets only its head struct page, put on the free
 *     list as a MAX_ORDER block marked PG_uninit (the RFC's mark, one per
 *     block); the allocator writes the other 1023 when it first takes it;
 *   - a block with free RAM and reserved pages or holes is written whole
 *     and handed over as every strategy does: its free pages go on the
 *     lists at once, and merging reads its neighbours' struct pages;
 *   - a block without free RAM (the mem_map itself, firmware, holes) is
 *     reached by no allocation and waits for the drain.
 * So usable comes after about one struct page in 1024 plus the mixed
 * blocks, less than async's 128 MiB budget per node.
 *
 * The mark lives on the block's head, not in a bitmap: the allocator
 * reads that struct page anyway to take the block off its list, so the
 * test costs no extra cache line and no pfn lookup (the alloc path has no
 * pfn). Who writes a block is decided under its zone lock by the mark
 * (first touch or drain, never both); a block without free RAM is written
 * by the engine chunk that holds it, claimed once. So every pfn is written
 * exactly once, by memmap_init_range, and the run's page account proves it.
 *
 * strategy.ondemand_drain says who writes what nobody touched:
 *   off   only touches, until meminit_wait(): the barrier exists so the
 *         run ends verified; there every CPU drains what is left;
 *   idle  the other CPUs drain from the start (FreeBSD's idle-priority
 *         thread), the boot CPU joins at meminit_wait() (the default);
 *   all   every CPU drains, the boot CPU too before run() returns.
 * done_ns is the end of the last drained chunk: a block first touched by
 * an allocation was written before the drain reached it, so nothing
 * arrives later. The free-page count says "all free" from the start: the
 * marked blocks are on the free lists (the RFC's stats, "faked").
 */
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/params.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "strategies/strategy.h"

enum drain_mode { DRAIN_OFF, DRAIN_IDLE, DRAIN_ALL };

static const char *const drain_names[] = {
	[DRAIN_OFF] = "off", [DRAIN_IDLE] = "idle", [DRAIN_ALL] = "all",
};

static enum drain_mode drain = DRAIN_IDLE;
PARAM_ENUM("strategy.ondemand_drain", drain, drain_names,
	   "ondemand: who writes untouched blocks: off (only touches) | idle (the other CPUs, default) | all");

/* ondemand's own part of a run. */
struct ondemand_run {
	enum drain_mode drain;
	uint64_t marked_blocks;  /* free blocks left to the first touch or the drain */
	uint64_t boot_pages;     /* struct pages written before the boot went on */
	/* The allocator's first-touch counters when the run began (a late node's run keeps the allocator). */
	uint64_t touched_pages_before, touched_blocks_before;
	uint64_t touched_blocks; /* this run's, once it is done */
};

/*
 * Two, used in turn: a run's @result may be reported after the next run has
 * begun (mem.late_node's online run comes before the verification of the
 * run it completes), and must still find its own figures.
 */
static struct ondemand_run ondemand_states[2];
static unsigned ondemand_next;

/* The boot's share of one range of blocks (buddy_for_each_block_class). */
static void boot_range(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn, enum block_class cls)
{
	struct strategy_ctx *ctx = cookie;
	struct ondemand_run *o = ctx->priv;
	uint64_t t0, t1, pages;

	if (cls == BLOCK_MIXED) {
		strategy_init_chunk(ctx, node, start_pfn, end_pfn, WORK_INIT);
		o->boot_pages += memmap_present_pages_in(ctx->mm, node, start_pfn, end_pfn);
	} else if (cls == BLOCK_FREE) {
		strategy_chunk_begin(ctx, node, WORK_INIT);
		t0 = time_ns();
		pages = buddy_add_uninit_blocks(ctx->buddy, node, start_pfn, end_pfn);
		t1 = time_ns(); /* heads written and listed in one pass: no separate hand-off time */
		strategy_chunk_end(ctx, node, WORK_INIT, t0, t1, t1, pages);
		o->boot_pages += pages;
		o->marked_blocks += (end_pfn - start_pfn) / MAX_ORDER_NR_PAGES;
	}
}

struct drain_walk {
	struct strategy_ctx *ctx;
	uint64_t pages; /* struct pages this chunk wrote */
};

/* The drain's share of one range of blocks: what is still unwritten. */
static void drain_range(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn, enum block_class cls)
{
	struct drain_walk *d = cookie;

	if (cls == BLOCK_FREE) {
		d->pages += buddy_drain_blocks(d->ctx->buddy, node, start_pfn, end_pfn);
	} else if (cls == BLOCK_NONFREE) { /* this chunk's alone: the engine's claim */
		memmap_init_range(d->ctx->mm, node, start_pfn, end_pfn);
		d->pages += memmap_present_pages_in(d->ctx->mm, node, start_pfn, end_pfn);
	}
}

/* The engine's write for ondemand: a drained chunk, timed like any strategy's. */
static void drain_write(struct engine *e, int node, uint64_t start, uint64_t end, enum work_kind kind)
{
	struct strategy_ctx *ctx = (struct strategy_ctx *)e;
	struct drain_walk d = { ctx, 0 };
	uint64_t t0, t1;

	strategy_chunk_begin(ctx, node, kind);
	t0 = time_ns();
	buddy_for_each_block_class(ctx->mm, node, start, end, drain_range, &d);
	t1 = time_ns();
	strategy_chunk_end(ctx, node, kind, t0, t1, t1, d.pages);
}

static void drain_flush(struct engine *e)
{
	strategy_flush((struct strategy_ctx *)e);
}

static const struct engine_ops drain_ops = { .write = drain_write, .flush = drain_flush };

static void ondemand_run(struct strategy_ctx *ctx)
{
	struct engine *e = &ctx->engine;
	struct cpumask drainers = { { 0 } };
	struct ondemand_run *o = &ondemand_states[ondemand_next++ % 2];

	*o = (struct ondemand_run){ .drain = drain, .touched_pages_before = ctx->buddy->touched_pages,
				    .touched_blocks_before = ctx->buddy->touched_blocks };
	ctx->priv = o;
	e->ops = &drain_ops;
	ctx->buddy->ondemand = true; /* before the first mark */
	ctx->buddy->uninit_mm = ctx->mm;
	for (unsigned n = 0; n < ctx->mm->node_count; n++)
		buddy_for_each_block_class(ctx->mm, (int)n, ctx->mm->nodes[n].start_pfn,
					   ctx->mm->nodes[n].end_pfn, boot_range, ctx);
	strategy_flush(ctx);
	/* The drain starts only now: it reads the heads the boot has just written. */
	if (drain != DRAIN_OFF) {
		drainers = cpu_online_mask;
		if (drain == DRAIN_IDLE)
			cpumask_clear(&drainers, smp_processor_id());
	}
	engine_plan(e, &drainers, true);
	engine_jobs_sized(e, MAX_ORDER_NR_PAGES, 0);
	ctx->parallel_cpus = drain == DRAIN_ALL ? cpumask_weight(&drainers) : cpumask_weight(&drainers) + 1;
	ksnprintf(ctx->params, sizeof(ctx->params), "drain=%s drainers=%u", drain_names[drain],
		  cpumask_weight(&drainers));
	engine_start(e, false); /* DRAIN_ALL: the boot CPU drains its share here */
	ctx->usable_ns = time_ns();
}

/*
 * The barrier: what nobody has touched or drained yet is written now
 * (by every CPU under drain=off, else the boot CPU joins the drainers),
 * then the allocator's first touches join the run's page account.
 */
static bool ondemand_wait(struct strategy_ctx *ctx)
{
	struct engine *e = &ctx->engine;
	struct ondemand_run *o = ctx->priv;
	bool ok;

	if (o->drain == DRAIN_OFF) {
		engine_plan(e, &cpu_online_mask, true);
		ctx->parallel_cpus = cpumask_weight(&cpu_online_mask);
		engine_start(e, false);
	} else {
		engine_plan_all(e, smp_processor_id());
		engine_work(e);
	}
	ok = engine_wait(e);
	o->touched_blocks = ctx->buddy->touched_blocks - o->touched_blocks_before;
	__atomic_add_fetch(&ctx->pages_written, ctx->buddy->touched_pages - o->touched_pages_before,
			   __ATOMIC_RELAXED);
	/* A lost CPU may have left marked blocks: then allocations keep testing. */
	ctx->buddy->ondemand = !ok;
	return ok;
}

static void ondemand_report(const struct strategy_ctx *ctx, struct record *r)
{
	const struct ondemand_run *o = ctx->priv;

	rec_str(r, "drain", drain_names[o->drain]);
	rec_u64(r, "marked_blocks", o->marked_blocks);
	rec_u64(r, "touched_blocks", o->touched_blocks);
	rec_u64(r, "boot_pages", o->boot_pages);
}

static const struct strategy ondemand = {
	.name = "ondemand",
	.help = "the rejected RFC: free blocks written on first allocation, the rest drained (strategy.ondemand_drain)",
	.run = ondemand_run,
	.wait = ondemand_wait,
	.report = ondemand_report,
};
STRATEGY(ondemand);
