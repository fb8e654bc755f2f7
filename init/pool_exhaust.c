// SPDX-License-Identifier: MIT
/*
 * pool_exhaust - seed 003's promise, shown in the boot: a mempool's caller
 * gets its element even when memory runs out. With boot.pool_exhaust=on,
 * in the boot's rest (under async: while memory is still arriving), the boot
 * CPU creates a pool of pages, takes every page the buddy allocator can give
 * (growing deferred memory as it goes) and asks the pool: callers that may
 * not wait are served from the reserve until it is empty, then refused; a
 * caller that may wait waits until another CPU gives an element back, and
 * gets it. With memory back, it measures the pool's common pair against the
 * buddy allocator's own. @mempool says who served what, and what it costs.
 */
#include "init/pool_exhaust.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"
#include "init/sort.h"
#include "mm/list.h"
#include "mm/memmap_boot.h"
#include "mm/mempool.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/wait.h"

#define POOL_MIN 8
#define EXHAUST_ORDER 9 /* 2 MiB blocks first, then smaller down to single pages */
#define PAIR_ROUNDS 5
#define PAIRS_PER_ROUND 1000
#define RELEASE_AFTER_NS 2000000ull   /* the other CPU gives an element back after 2 ms */
#define WAIT_BOUND_NS 30000000000ull   /* a wait that long means nobody ever freed: say so */

static bool pool_exhaust;
PARAM_BOOL("boot.pool_exhaust", pool_exhaust,
	   "in the boot's rest: exhaust memory and show a mempool's callers still get elements (@mempool)");

static struct mempool pool;

static int here(void)
{
	return cpu_node(smp_processor_id());
}

/* The pool's allocator: pages of order 0; one that may not wait does not grow deferred memory. */
static void *page_alloc(void *cookie, bool may_wait)
{
	bool (*grow)(void *, int) = boot_buddy.grow;
	struct page *p;

	(void)cookie;
	if (may_wait)
		return alloc_pages(&boot_buddy, here(), 0);
	boot_buddy.grow = NULL; /* only this CPU allocates here: the background writers never do */
	p = alloc_pages(&boot_buddy, here(), 0);
	boot_buddy.grow = grow;
	return p;
}

static void page_free(void *cookie, void *element)
{
	(void)cookie;
	free_pages(&boot_buddy, element, 0);
}

/* The boot CPU's wait for a free: polls the count, bounded. */
static void poll_wait(void *cookie, const uint32_t *frees, uint32_t seen)
{
	uint64_t until = time_ns() + WAIT_BOUND_NS;

	(void)cookie;
	while (__atomic_load_n(frees, __ATOMIC_ACQUIRE) == seen && time_ns() < until)
		cpu_relax();
}

static void no_wake(void *cookie, const uint32_t *frees)
{
	(void)cookie;
	(void)frees;
}

static const struct mempool_wait_ops polling = { .wait = poll_wait, .wake = no_wake };

/* On another CPU: give one of the boot CPU's elements back after a while. */
static void release_later(void *arg)
{
	sleep_ns(RELEASE_AFTER_NS);
	mempool_free(&pool, arg);
}

/* ps per pair of @rounds rounds, alternating the pool's pair and the buddy allocator's; sorted. */
static void time_pairs(uint64_t *pool_ps, uint64_t *direct_ps, unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0 = time_ns(), t1, t2;

		for (unsigned i = 0; i < PAIRS_PER_ROUND; i++)
			mempool_free(&pool, mempool_alloc(&pool, false));
		t1 = time_ns();
		for (unsigned i = 0; i < PAIRS_PER_ROUND; i++)
			page_free(NULL, page_alloc(NULL, false));
		t2 = time_ns();
		pool_ps[r] = (t1 - t0) * 1000 / PAIRS_PER_ROUND;
		direct_ps[r] = (t2 - t1) * 1000 / PAIRS_PER_ROUND;
	}
	sort_u64(pool_ps, rounds);
	sort_u64(direct_ps, rounds);
}

static void report(uint64_t start_ns, uint64_t held, unsigned no_wait_served, bool waiter_served,
		   uint64_t waited_ns, const uint64_t *pool_ps, const uint64_t *direct_ps)
{
	struct mempool_stats st = mempool_stats(&pool);
	static const char *const step[MEMPOOL_SOURCES] = {
		"alloc_atomic", "reserve_half", "alloc_waiting", "reserve_low",
	};
	struct record r;

	record_begin(&r, "mempool");
	rec_u64(&r, "start_ns", start_ns);
	rec_u64(&r, "min", POOL_MIN);
	rec_u64(&r, "held_pages", held);
	rec_u64(&r, "no_wait_served", no_wait_served);
	rec_bool(&r, "waiter_served", waiter_served);
	rec_u64(&r, "waited_ns", waited_ns);
	rec_object_begin(&r, "served");
	for (unsigned i = 0; i < MEMPOOL_SOURCES; i++)
		rec_u64(&r, step[i], st.served[i]);
	rec_object_end(&r);
	rec_u64(&r, "waits", st.waits);
	rec_u64(&r, "failed", st.failed);
	rec_milli(&r, "pair_ns_min", pool_ps[0]);
	rec_milli(&r, "pair_ns_median", pool_ps[PAIR_ROUNDS / 2]);
	rec_milli(&r, "direct_pair_ns_min", direct_ps[0]);
	rec_milli(&r, "direct_pair_ns_median", direct_ps[PAIR_ROUNDS / 2]);
	record_end(&r);
}

void pool_exhaust_if_asked(void)
{
	uint64_t pool_ps[PAIR_ROUNDS], direct_ps[PAIR_ROUNDS], held = 0, start = time_ns(), t0 = 0, waited_ns;
	void *got[POOL_MIN + 1];
	unsigned served = 0, no_wait_served, helper = 0;
	struct list_head pages;
	struct page *p;
	void *waiter_got = NULL;

	if (!pool_exhaust)
		return;
	if (!mempool_create(&pool, POOL_MIN, page_alloc, page_free, NULL)) {
		record_error("mempool", "no pool", "boot.pool_exhaust could not fill a reserve of 8 pages");
		return;
	}
	mempool_set_wait_ops(&pool, &polling, NULL);

	/* Every page there is, at once: big blocks first, so it is done while memory is still deferred. */
	list_init(&pages);
	for (unsigned order = EXHAUST_ORDER + 1; order-- > 0;)
		while ((p = alloc_pages(&boot_buddy, here(), order))) {
			p->private = order; /* an allocated block's private is its owner's */
			list_add(&p->lru, &pages);
			held += 1ull << order;
		}
	while (served <= POOL_MIN && (got[served] = mempool_alloc(&pool, false)))
		served++;
	no_wait_served = served; /* the reserve, then nothing: the next caller must wait */
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpu != smp_processor_id() && cpumask_test(&cpu_online_mask, cpu))
			helper = cpu + 1;
	if (helper && served) {
		struct cpumask one = { { 0 } };

		cpumask_set(&one, helper - 1);
		served--;
		smp_call_many(&one, release_later, got[served], false);
		t0 = time_ns();
		waiter_got = mempool_alloc(&pool, true); /* nothing left anywhere: it waits for that free */
	}
	waited_ns = waiter_got ? time_ns() - t0 : 0;
	if (waiter_got)
		mempool_free(&pool, waiter_got);
	while (served)
		mempool_free(&pool, got[--served]);
	while (!list_empty(&pages)) {
		p = container_of(pages.next, struct page, lru);
		list_del_init(&p->lru);
		free_pages(&boot_buddy, p, (unsigned)p->private);
	}
	time_pairs(pool_ps, direct_ps, PAIR_ROUNDS); /* memory back: the common pair, step 1 and a free */
	report(start, held, no_wait_served, waiter_got != NULL, waited_ns, pool_ps, direct_ps);
	mempool_destroy(&pool);
}
