// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/mempool.c, written against the contract in
 * mm/mempool.h: each of the five steps of mempool_alloc() in its order,
 * with a fake allocator whose atomic and waiting allocations fail on
 * demand; frees refilling the reserve before the allocator; the wait
 * protocol (a free that lands between finding the reserve empty and
 * sleeping is not missed); and, on threads, a caller that waits on an
 * exhausted pool and gets the element another thread frees, and a
 * stress run in which no element is ever lost or handed out twice.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mm/mempool.h"
#include "tests/host/check.h"

#define RNG_SEED 0x2545f4914f6cdd1dull
#include "tests/host/rng.h"

/* ---- a fake allocator of ELEMENTS distinct objects ---------------------------------- */

#define ELEMENTS 32

struct fake_allocator {
	pthread_mutex_t lock;
	unsigned long objects[ELEMENTS]; /* the elements: never touched by the pool */
	bool held[ELEMENTS];             /* handed out by the allocator */
	unsigned limit;                  /* only objects[0..limit) exist */
	bool fail_atomic, fail_waiting;  /* fail every such call */
	/* And, if nonzero, one call in this many at random (atomic, waiting). */
	unsigned atomic_fails_one_in, waiting_fails_one_in;
	uint64_t rng;
	unsigned calls_atomic, calls_waiting;
	unsigned bad_frees; /* frees of something not handed out */
};

static struct fake_allocator fa;

static void fa_reset(unsigned limit)
{
	pthread_mutex_destroy(&fa.lock);
	memset(&fa, 0, sizeof(fa));
	pthread_mutex_init(&fa.lock, NULL);
	fa.limit = limit;
	fa.rng = RNG_SEED;
}

static unsigned fa_index(const void *element)
{
	return (unsigned)((const unsigned long *)element - fa.objects);
}

static void *fa_alloc(void *cookie, bool may_wait)
{
	struct fake_allocator *a = cookie;
	void *element = NULL;
	bool fail;
	unsigned i, one_in;

	pthread_mutex_lock(&a->lock);
	if (may_wait)
		a->calls_waiting++;
	else
		a->calls_atomic++;
	fail = may_wait ? a->fail_waiting : a->fail_atomic;
	one_in = may_wait ? a->waiting_fails_one_in : a->atomic_fails_one_in;
	if (one_in) {
		a->rng ^= a->rng << 13, a->rng ^= a->rng >> 7, a->rng ^= a->rng << 17;
		fail = fail || a->rng % one_in == 0;
	}
	for (i = 0; !fail && i < a->limit; i++) {
		if (!a->held[i]) {
			a->held[i] = true;
			element = &a->objects[i];
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return element;
}

static void fa_free(void *cookie, void *element)
{
	struct fake_allocator *a = cookie;
	unsigned i = fa_index(element);

	pthread_mutex_lock(&a->lock);
	if (i >= a->limit || !a->held[i])
		a->bad_frees++;
	else
		a->held[i] = false;
	pthread_mutex_unlock(&a->lock);
}

static unsigned fa_held(void)
{
	unsigned i, n = 0;

	for (i = 0; i < fa.limit; i++)
		n += fa.held[i];
	return n;
}

/* The pool under test; tests start from fa_reset() and pool_new(). */
static struct mempool pool;

static void pool_new(unsigned limit, unsigned min)
{
	fa_reset(limit);
	CHECK(mempool_create(&pool, min, fa_alloc, fa_free, &fa));
	CHECK_EQ_U64(pool.count, min);
	CHECK_EQ_U64(fa_held(), min);
	fa.calls_atomic = fa.calls_waiting = 0;
}

static uint64_t served(enum mempool_source source)
{
	return mempool_stats(&pool).served[source];
}

/* ---- creating ---------------------------------------------------------------------- */

static void test_create(void)
{
	fa_reset(8);
	CHECK(!mempool_create(&pool, 0, fa_alloc, fa_free, &fa));
	CHECK(!mempool_create(&pool, MEMPOOL_MAX_MIN + 1, fa_alloc, fa_free, &fa));
	CHECK_EQ_U64(fa.calls_atomic + fa.calls_waiting, 0);

	/* The reserve is taken with allocations that may wait. */
	CHECK(mempool_create(&pool, 5, fa_alloc, fa_free, &fa));
	CHECK_EQ_U64(fa.calls_waiting, 5);
	CHECK_EQ_U64(fa.calls_atomic, 0);
	CHECK_EQ_U64(fa_held(), 5);
	mempool_destroy(&pool);
	CHECK_EQ_U64(pool.count, 0);
	CHECK_EQ_U64(fa_held(), 0);

	/* An allocator that runs dry half way: nothing kept. */
	CHECK(!mempool_create(&pool, 9, fa_alloc, fa_free, &fa));
	CHECK_EQ_U64(fa_held(), 0);
	CHECK_EQ_U64(fa.bad_frees, 0);
}

/* ---- the five steps, one by one ------------------------------------------------------ */

static void test_step1_atomic_first(void)
{
	void *e;

	pool_new(8, 4);
	e = mempool_alloc(&pool, true);
	CHECK(e != NULL);
	CHECK_EQ_U64(fa.calls_atomic, 1);
	CHECK_EQ_U64(fa.calls_waiting, 0);
	CHECK_EQ_U64(pool.count, 4); /* the reserve untouched */
	CHECK_EQ_U64(served(MEMPOOL_FROM_ALLOC_ATOMIC), 1);
	mempool_free(&pool, e); /* the reserve is full: back to the allocator */
	CHECK_EQ_U64(mempool_stats(&pool).returned, 1);
	CHECK_EQ_U64(fa_held(), 4);

	/* The common pair never takes the pool's lock (taking it here would hang: ctest times out). */
	spin_lock(&pool.lock);
	e = mempool_alloc(&pool, true);
	mempool_free(&pool, e);
	spin_unlock(&pool.lock);
	CHECK_EQ_U64(served(MEMPOOL_FROM_ALLOC_ATOMIC), 2);
	CHECK_EQ_U64(mempool_stats(&pool).returned, 2);
	mempool_destroy(&pool);
}

static void test_step2_reserve_while_half_full(void)
{
	void *taken[4];
	unsigned i;

	pool_new(8, 4);
	fa.fail_atomic = true;
	/* 4 and 3 are at least half of 4, 2 is too: three from the reserve, no waiting call. */
	for (i = 0; i < 3; i++) {
		void *top = pool.reserve[pool.count - 1];

		taken[i] = mempool_alloc(&pool, true);
		CHECK(taken[i] == top);
	}
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_HALF), 3);
	CHECK_EQ_U64(fa.calls_waiting, 0);
	CHECK_EQ_U64(pool.count, 1);

	/* Odd minimum: half of 5 means 3. */
	for (i = 0; i < 3; i++)
		mempool_free(&pool, taken[i]);
	mempool_destroy(&pool);
	pool_new(8, 5);
	fa.fail_atomic = true;
	for (i = 0; i < 3; i++)
		taken[i] = mempool_alloc(&pool, false);
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_HALF), 3);
	CHECK_EQ_U64(pool.count, 2);
	for (i = 0; i < 3; i++)
		mempool_free(&pool, taken[i]);
	mempool_destroy(&pool);
}

static void test_step3_waiting_allocation_below_half(void)
{
	void *low[3], *e, *last;
	unsigned i;

	pool_new(8, 4);
	fa.fail_atomic = true;
	for (i = 0; i < 3; i++)
		low[i] = mempool_alloc(&pool, true); /* reserve now 1 of 4 */
	fa.calls_atomic = fa.calls_waiting = 0;
	e = mempool_alloc(&pool, true);
	CHECK(e != NULL);
	CHECK_EQ_U64(fa.calls_atomic, 1); /* step 1 first, */
	CHECK_EQ_U64(fa.calls_waiting, 1); /* then step 3 served, */
	CHECK_EQ_U64(pool.count, 1);       /* the last element left alone */
	CHECK_EQ_U64(served(MEMPOOL_FROM_ALLOC_WAITING), 1);

	/* A caller that may not wait skips step 3: the last element is its. */
	fa.calls_waiting = 0;
	last = pool.reserve[0];
	CHECK(mempool_alloc(&pool, false) == last);
	CHECK_EQ_U64(fa.calls_waiting, 0);
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_LOW), 1);
	CHECK_EQ_U64(pool.count, 0);

	mempool_free(&pool, NULL); /* a no-op */
	CHECK_EQ_U64(pool.count, 0);
	mempool_free(&pool, e);
	mempool_free(&pool, last);
	for (i = 0; i < 3; i++)
		mempool_free(&pool, low[i]);
	CHECK_EQ_U64(pool.count, 4);
	CHECK_EQ_U64(mempool_stats(&pool).returned, 1);
	mempool_destroy(&pool);
}

static void test_step4_reserve_when_not_empty(void)
{
	void *taken[4];
	unsigned i;

	pool_new(8, 4);
	fa.fail_atomic = fa.fail_waiting = true;
	for (i = 0; i < 4; i++)
		taken[i] = mempool_alloc(&pool, true);
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_HALF), 3);
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_LOW), 1);
	CHECK_EQ_U64(fa.calls_waiting, 1); /* tried before the last element */
	CHECK_EQ_U64(pool.count, 0);

	/* Step 5 needs wait ops: without them, and for a caller that may not wait, NULL. */
	CHECK(mempool_alloc(&pool, false) == NULL);
	CHECK(mempool_alloc(&pool, true) == NULL);
	CHECK_EQ_U64(mempool_stats(&pool).failed, 2);
	CHECK_EQ_U64(mempool_stats(&pool).waits, 0);

	/* Frees fill the reserve first, then go back to the allocator. */
	fa.fail_atomic = fa.fail_waiting = false;
	for (i = 0; i < 4; i++)
		mempool_free(&pool, taken[i]);
	CHECK_EQ_U64(mempool_stats(&pool).refilled, 4);
	CHECK_EQ_U64(pool.count, 4);
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
	CHECK_EQ_U64(fa.bad_frees, 0);
}

static void test_frees_refill_before_allocator(void)
{
	void *a, *b, *c;

	pool_new(8, 2);
	a = mempool_alloc(&pool, true); /* from the allocator */
	fa.fail_atomic = fa.fail_waiting = true;
	b = mempool_alloc(&pool, true); /* reserve 2 -> 1 */
	c = mempool_alloc(&pool, true); /* reserve 1 -> 0 */
	CHECK(a && b && c);
	mempool_free(&pool, a); /* the allocator's own element refills the reserve */
	CHECK_EQ_U64(pool.count, 1);
	CHECK(pool.reserve[0] == a);
	mempool_free(&pool, b);
	CHECK_EQ_U64(pool.count, 2);
	mempool_free(&pool, c); /* full: back to the allocator */
	CHECK_EQ_U64(pool.count, 2);
	CHECK_EQ_U64(mempool_stats(&pool).refilled, 2);
	CHECK_EQ_U64(mempool_stats(&pool).returned, 1);
	CHECK(!fa.held[fa_index(c)]);
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
	CHECK_EQ_U64(fa.bad_frees, 0);
}

/* ---- the wait protocol, on one thread ------------------------------------------------ */

/* A wait during which another CPU frees @element: it must see *frees move. */
struct racing_free {
	void *element;
	unsigned waits, woken;
	bool frees_moved;
};

static void racing_wait(void *cookie, const uint32_t *frees, uint32_t seen)
{
	struct racing_free *r = cookie;

	r->waits++;
	if (r->element) {
		mempool_free(&pool, r->element); /* lands after the check, before the sleep */
		r->element = NULL;
	}
	r->frees_moved = __atomic_load_n(frees, __ATOMIC_ACQUIRE) != seen;
}

static void racing_wake(void *cookie, const uint32_t *frees)
{
	struct racing_free *r = cookie;

	(void)frees;
	r->woken++;
}

static void test_free_between_check_and_sleep_is_seen(void)
{
	static const struct mempool_wait_ops ops = { racing_wait, racing_wake };
	struct racing_free r = { 0 };
	void *e;

	pool_new(4, 1);
	mempool_set_wait_ops(&pool, &ops, &r);
	fa.fail_atomic = fa.fail_waiting = true;
	r.element = mempool_alloc(&pool, true); /* the only element in reach */
	CHECK(r.element != NULL);
	e = mempool_alloc(&pool, true);
	CHECK(e != NULL);
	CHECK_EQ_U64(r.waits, 1);
	CHECK(r.frees_moved);       /* a real wait would not have slept */
	CHECK_EQ_U64(r.woken, 1);   /* and the free woke the waiter */
	CHECK_EQ_U64(mempool_stats(&pool).waits, 1);
	CHECK_EQ_U64(pool.waiters, 0);
	mempool_free(&pool, e);
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
}

/* A wait that gives up early (a timeout, say) twice before the free comes. */
static void early_wait(void *cookie, const uint32_t *frees, uint32_t seen)
{
	struct racing_free *r = cookie;

	(void)frees;
	(void)seen;
	if (++r->waits == 3) {
		mempool_free(&pool, r->element);
		r->element = NULL;
	}
}

static void test_early_wake_tries_again_from_step1(void)
{
	static const struct mempool_wait_ops ops = { early_wait, racing_wake };
	struct racing_free r = { 0 };
	void *expected, *e;

	pool_new(4, 1);
	mempool_set_wait_ops(&pool, &ops, &r);
	fa.fail_atomic = fa.fail_waiting = true;
	expected = r.element = mempool_alloc(&pool, true);
	fa.calls_atomic = fa.calls_waiting = 0;
	e = mempool_alloc(&pool, true);
	CHECK(e == expected);
	CHECK_EQ_U64(r.waits, 3);
	CHECK_EQ_U64(mempool_stats(&pool).waits, 3);
	CHECK_EQ_U64(fa.calls_atomic, 4);  /* every try starts at step 1, */
	CHECK_EQ_U64(fa.calls_waiting, 3); /* the last one served by step 2: 1 of 1 is full */
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_HALF), 2);
	CHECK_EQ_U64(pool.waiters, 0);
	mempool_free(&pool, e);
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
}

/* ---- threads ------------------------------------------------------------------------- */

/* The host's wait ops: a condition variable beside the pool's free count. */
struct thread_waiter {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	unsigned sleeps; /* waits that really slept */
};

static void thread_wait(void *cookie, const uint32_t *frees, uint32_t seen)
{
	struct thread_waiter *w = cookie;

	pthread_mutex_lock(&w->lock);
	while (__atomic_load_n(frees, __ATOMIC_ACQUIRE) == seen) {
		w->sleeps++;
		pthread_cond_wait(&w->freed, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
}

static void thread_wake(void *cookie, const uint32_t *frees)
{
	struct thread_waiter *w = cookie;

	(void)frees;
	pthread_mutex_lock(&w->lock);
	pthread_cond_broadcast(&w->freed);
	pthread_mutex_unlock(&w->lock);
}

static const struct mempool_wait_ops thread_wait_ops = { thread_wait, thread_wake };

static struct thread_waiter waiter = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void *alloc_waiting(void *arg)
{
	(void)arg;
	return mempool_alloc(&pool, true);
}

static void test_exhausted_waiter_gets_the_freed_element(void)
{
	void *taken[3], *got;
	pthread_t t;
	unsigned i;

	pool_new(3, 3); /* every element of the allocator is in the reserve */
	mempool_set_wait_ops(&pool, &thread_wait_ops, &waiter);
	waiter.sleeps = 0;
	for (i = 0; i < 3; i++)
		taken[i] = mempool_alloc(&pool, true);
	CHECK_EQ_U64(pool.count, 0);
	CHECK_EQ_U64(fa.calls_waiting, 1); /* the last one tried the allocator first */

	pthread_create(&t, NULL, alloc_waiting, NULL);
	/* Until the other thread has really gone to sleep on the empty pool. */
	for (;;) {
		pthread_mutex_lock(&waiter.lock);
		i = waiter.sleeps;
		pthread_mutex_unlock(&waiter.lock);
		if (i)
			break;
		sched_yield();
	}
	CHECK_EQ_U64(mempool_stats(&pool).waits, 1);
	mempool_free(&pool, taken[1]);
	pthread_join(t, &got);
	CHECK(got == taken[1]);
	CHECK_EQ_U64(pool.count, 0);
	CHECK_EQ_U64(pool.waiters, 0);
	CHECK_EQ_U64(served(MEMPOOL_FROM_RESERVE_HALF) + served(MEMPOOL_FROM_RESERVE_LOW), 4);

	mempool_free(&pool, got);
	mempool_free(&pool, taken[0]);
	mempool_free(&pool, taken[2]);
	CHECK_EQ_U64(pool.count, 3);
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
	CHECK_EQ_U64(fa.bad_frees, 0);
}

/*
 * Stress: THREADS threads, started together, each take one element allowed
 * to wait and one more not allowed to, and yield while they hold them, so
 * that eight wants meet a pool of 4 over an allocator of 6 that fails one
 * call in three. They go on past ROUNDS until someone has waited (the
 * interleaving is the host's: a bound keeps a run finite). A thread never
 * waits while it holds an element, so the pool must always make progress.
 * Every element handed out is marked as its caller's: a mark already set
 * is an element given twice. (Which steps serve depends on the
 * interleaving; the tests above take each one on purpose.)
 */
#define THREADS 4
#define ROUNDS 3000
#define ROUNDS_BOUND (50 * ROUNDS)

static int user_holds[ELEMENTS];
static unsigned long doubled, unheld_frees, null_waiting;
static pthread_barrier_t start_together;

static void take_mark(void *element)
{
	if (__atomic_exchange_n(&user_holds[fa_index(element)], 1, __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&doubled, 1, __ATOMIC_RELAXED);
}

static void give_back(void *element)
{
	if (!__atomic_exchange_n(&user_holds[fa_index(element)], 0, __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&unheld_frees, 1, __ATOMIC_RELAXED);
	mempool_free(&pool, element);
}

static void *stress_thread(void *arg)
{
	unsigned r;

	(void)arg;
	pthread_barrier_wait(&start_together);
	for (r = 0; r < ROUNDS_BOUND; r++) {
		void *must = mempool_alloc(&pool, true), *extra;

		if (!must) {
			__atomic_fetch_add(&null_waiting, 1, __ATOMIC_RELAXED);
			continue;
		}
		take_mark(must);
		extra = mempool_alloc(&pool, false);
		if (extra)
			take_mark(extra);
		sched_yield();
		give_back(must);
		if (extra)
			give_back(extra);
		if (r >= ROUNDS && mempool_stats(&pool).waits)
			break;
	}
	return NULL;
}

static void test_threads_never_lose_or_double_an_element(void)
{
	pthread_t t[THREADS];
	struct mempool_stats s;
	unsigned i;

	pool_new(6, 4);
	mempool_set_wait_ops(&pool, &thread_wait_ops, &waiter);
	fa.atomic_fails_one_in = fa.waiting_fails_one_in = 3;
	pthread_barrier_init(&start_together, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, stress_thread, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_together);

	CHECK_EQ_U64(doubled, 0);
	CHECK_EQ_U64(unheld_frees, 0);
	CHECK_EQ_U64(null_waiting, 0);
	CHECK_EQ_U64(fa.bad_frees, 0);
	for (i = 0; i < ELEMENTS; i++)
		CHECK_EQ_U64(user_holds[i], 0);
	/* Every element is either in the reserve, which is full again, or in the allocator. */
	CHECK_EQ_U64(pool.count, 4);
	CHECK_EQ_U64(pool.waiters, 0);
	/* The exact counters: the reserve, full at the start and the end, took what it got back. */
	s = mempool_stats(&pool);
	CHECK_EQ_U64(s.served[MEMPOOL_FROM_RESERVE_HALF] + s.served[MEMPOOL_FROM_RESERVE_LOW],
		     s.refilled);
	CHECK(s.waits > 0);
	printf("stress: served %llu/%llu/%llu/%llu, waits %llu, failed %llu\n",
	       (unsigned long long)s.served[0], (unsigned long long)s.served[1],
	       (unsigned long long)s.served[2], (unsigned long long)s.served[3],
	       (unsigned long long)s.waits, (unsigned long long)s.failed);
	fa.atomic_fails_one_in = fa.waiting_fails_one_in = 0;
	mempool_destroy(&pool);
	CHECK_EQ_U64(fa_held(), 0);
}

CHECK_MAIN(CHECK_TEST(test_create), CHECK_TEST(test_step1_atomic_first),
	   CHECK_TEST(test_step2_reserve_while_half_full),
	   CHECK_TEST(test_step3_waiting_allocation_below_half),
	   CHECK_TEST(test_step4_reserve_when_not_empty),
	   CHECK_TEST(test_frees_refill_before_allocator),
	   CHECK_TEST(test_free_between_check_and_sleep_is_seen),
	   CHECK_TEST(test_early_wake_tries_again_from_step1),
	   CHECK_TEST(test_exhausted_waiter_gets_the_freed_element),
	   CHECK_TEST(test_threads_never_lose_or_double_an_element))
