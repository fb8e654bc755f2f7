// SPDX-License-Identifier: MIT
/*
 * mempool: the five steps of mempool.h. Only steps 2, 4 and 5 take the
 * lock; step 1, the common case, costs the allocator's call and a counter,
 * and so does a free while the reserve is full.
 */
#include "mm/mempool.h"

/*
 * One more in @counter: a load and a store, not a locked add, which on
 * the lock-free paths would cost more than the rest of the pool (see
 * struct mempool_stats for which counters are exact).
 */
static void tally(uint64_t *counter)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* pool->count changes under the lock only, and mempool_free() reads it without. */
static void push_locked(struct mempool *pool, void *element)
{
	pool->reserve[pool->count] = element;
	__atomic_store_n(&pool->count, pool->count + 1, __ATOMIC_RELAXED);
}

static void *pop_locked(struct mempool *pool)
{
	void *element = pool->reserve[pool->count - 1];

	__atomic_store_n(&pool->count, pool->count - 1, __ATOMIC_RELAXED);
	return element;
}

bool mempool_create(struct mempool *pool, unsigned min, mempool_alloc_fn *alloc_fn,
		    mempool_free_fn *free_fn, void *cookie)
{
	*pool = (struct mempool){ .min = min, .alloc_fn = alloc_fn, .free_fn = free_fn,
				  .cookie = cookie };
	if (min == 0 || min > MEMPOOL_MAX_MIN)
		return false;
	while (pool->count < min) {
		void *element = alloc_fn(cookie, true);

		if (!element) {
			mempool_destroy(pool);
			return false;
		}
		push_locked(pool, element); /* nobody else knows the pool yet */
	}
	return true;
}

void mempool_set_wait_ops(struct mempool *pool, const struct mempool_wait_ops *ops, void *cookie)
{
	pool->wait_ops = ops;
	pool->wait_cookie = cookie;
}

/* An element of the reserve if it holds at least @at_least (>= 1), else NULL. */
static void *take_from_reserve(struct mempool *pool, unsigned at_least)
{
	void *element = NULL;
	unsigned long flags = spin_lock_irqsave(&pool->lock);

	if (pool->count >= at_least) {
		element = pop_locked(pool);
		tally(&pool->stats.served[MEMPOOL_FROM_RESERVE_HALF]);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return element;
}

/*
 * Step 4, and step 5 when the reserve is empty, under one hold of the
 * lock: a free between finding it empty and starting to wait changes
 * pool->frees, so the wait returns at once. True when the caller waited
 * and tries again from step 1; false with *@element the answer.
 */
static bool take_or_wait(struct mempool *pool, bool may_wait, void **element)
{
	uint32_t seen;
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	const struct mempool_wait_ops *ops = pool->wait_ops;

	*element = NULL;
	if (pool->count) {
		*element = pop_locked(pool);
		tally(&pool->stats.served[MEMPOOL_FROM_RESERVE_LOW]);
		spin_unlock_irqrestore(&pool->lock, flags);
		return false;
	}
	if (!may_wait || !ops) {
		tally(&pool->stats.failed);
		spin_unlock_irqrestore(&pool->lock, flags);
		return false;
	}
	pool->waiters++;
	seen = pool->frees;
	tally(&pool->stats.waits);
	spin_unlock_irqrestore(&pool->lock, flags);

	ops->wait(pool->wait_cookie, &pool->frees, seen);

	flags = spin_lock_irqsave(&pool->lock);
	pool->waiters--;
	spin_unlock_irqrestore(&pool->lock, flags);
	return true;
}

void *mempool_alloc(struct mempool *pool, bool may_wait)
{
	for (;;) {
		void *element = pool->alloc_fn(pool->cookie, false);

		if (element) {
			tally(&pool->stats.served[MEMPOOL_FROM_ALLOC_ATOMIC]);
			return element;
		}
		/* At least half full: min/2 rounded up, and never 0. */
		element = take_from_reserve(pool, (pool->min + 1) / 2);
		if (element)
			return element;
		if (may_wait) {
			element = pool->alloc_fn(pool->cookie, true);
			if (element) {
				tally(&pool->stats.served[MEMPOOL_FROM_ALLOC_WAITING]);
				return element;
			}
		}
		if (!take_or_wait(pool, may_wait, &element))
			return element;
		/* Woken by a free (or the wait gave up early): from step 1 again. */
	}
}

void mempool_free(struct mempool *pool, void *element)
{
	bool kept = false, wake = false;

	if (!element)
		return;
	/*
	 * A reserve seen full without the lock sends the element straight
	 * back to the allocator. A stale view cannot strand a waiter (the
	 * argument of Linux's mempool_free): an element taken from the reserve
	 * is freed after its take, so this read sees the reserve no fuller
	 * than that take left it, unless a free refilled it since, and that
	 * free woke the waiters.
	 */
	if (__atomic_load_n(&pool->count, __ATOMIC_RELAXED) < pool->min) {
		unsigned long flags = spin_lock_irqsave(&pool->lock);

		if (pool->count < pool->min) {
			push_locked(pool, element);
			__atomic_store_n(&pool->frees, pool->frees + 1, __ATOMIC_RELEASE);
			tally(&pool->stats.refilled);
			kept = true;
			wake = pool->waiters != 0;
		}
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	if (!kept) {
		tally(&pool->stats.returned);
		pool->free_fn(pool->cookie, element);
		return;
	}
	if (wake)
		pool->wait_ops->wake(pool->wait_cookie, &pool->frees);
}

void mempool_destroy(struct mempool *pool)
{
	while (pool->count)
		pool->free_fn(pool->cookie, pop_locked(pool)); /* no users left: no lock */
}

struct mempool_stats mempool_stats(const struct mempool *pool)
{
	struct mempool_stats s;
	unsigned i;

	for (i = 0; i < MEMPOOL_SOURCES; i++)
		s.served[i] = __atomic_load_n(&pool->stats.served[i], __ATOMIC_RELAXED);
	s.waits = __atomic_load_n(&pool->stats.waits, __ATOMIC_RELAXED);
	s.failed = __atomic_load_n(&pool->stats.failed, __ATOMIC_RELAXED);
	s.refilled = __atomic_load_n(&pool->stats.refilled, __ATOMIC_RELAXED);
	s.returned = __atomic_load_n(&pool->stats.returned, __ATOMIC_RELAXED);
	return s;
}
