/* SPDX-License-Identifier: MIT */
/*
 * mempool - a reserve of elements so that an allocation allowed to wait
 * never fails: it waits for an element to be freed instead.
 *
 * The elements come from an allocator the caller names (alloc/free and a
 * cookie: kmalloc of one size, alloc_pages of one order, another pool) and
 * stay opaque: the pool never reads or writes them. mempool_alloc() tries,
 * in the order of Linux's first mempool (2.5.1):
 *   1. the allocator, not allowed to wait;
 *   2. the reserve, if it is at least half full;
 *   3. the allocator, allowed to wait (may_wait callers only);
 *   4. the reserve, if it is not empty;
 *   5. waiting until mempool_free() gives an element back, then 1. again
 *      (may_wait callers only; the others get NULL).
 * mempool_free() refills the reserve first and gives back to the allocator
 * only what the reserve does not need. In the common case (step 1 serves,
 * the reserve is full when the element comes back) the pool's lock is
 * never taken: a pair costs two indirect calls and two unlocked counts.
 *
 * No memory of its own: the caller owns the struct (static, or inside its
 * own object), the reserve's elements come through alloc, and the pointers
 * to them sit in an array inside the struct. So the reserve is bounded
 * (MEMPOOL_MAX_MIN), and a pool works before any general allocator does.
 *
 * Waiting goes through mempool_wait_ops, so the kernel plugs its halting
 * wait in and the host tests plug threads in. Pure C (host-tested).
 */
#ifndef MEMINIT_MM_MEMPOOL_H
#define MEMINIT_MM_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"

/* The largest reserve: a pool guarantees forward progress, it is not a cache. */
#define MEMPOOL_MAX_MIN 64

/* An element, or NULL; when !@may_wait it must not wait (interrupts may be off). */
typedef void *mempool_alloc_fn(void *cookie, bool may_wait);
/* Give back an element alloc returned; never waits. */
typedef void mempool_free_fn(void *cookie, void *element);

/*
 * How a caller waits for a free. @frees is the pool's count of elements
 * given back to the reserve; @seen is its value when the caller found the
 * reserve empty.
 * - wait: return once *@frees (read with __atomic_load_n) differs from @seen.
 *   It may return earlier (a timeout, say): the caller just tries again.
 * - wake: *@frees has changed and someone may be waiting on it: let every
 *   such waiter return. Any context; it must not wait.
 * A free increments *@frees before it calls wake, so a waiter that checks
 * *@frees before it sleeps never misses a wake-up.
 */
struct mempool_wait_ops {
	void (*wait)(void *cookie, const uint32_t *frees, uint32_t seen);
	void (*wake)(void *cookie, const uint32_t *frees);
};

/* Which step served an allocation (the order of the header). */
enum mempool_source {
	MEMPOOL_FROM_ALLOC_ATOMIC,  /* 1: the allocator, not waiting */
	MEMPOOL_FROM_RESERVE_HALF,  /* 2: the reserve, at least half full */
	MEMPOOL_FROM_ALLOC_WAITING, /* 3: the allocator, allowed to wait */
	MEMPOOL_FROM_RESERVE_LOW,   /* 4: the reserve, below half but not empty */
	MEMPOOL_SOURCES
};

/*
 * What the pool did, for a record; read them when the pool is quiet.
 * Those counted under the pool's lock are exact: served from the
 * reserve, waits, failed, refilled. The lock-free paths' (served by the
 * allocator, returned) are exact on one CPU but may miss a count when
 * CPUs race on them: a locked add there would cost more than the pool.
 */
struct mempool_stats {
	uint64_t served[MEMPOOL_SOURCES];
	uint64_t waits;    /* times a caller waited for a free (step 5) */
	uint64_t failed;   /* non-waiting callers given NULL */
	uint64_t refilled; /* frees kept in the reserve */
	uint64_t returned; /* frees given back to the allocator */
};

struct mempool {
	struct spinlock lock; /* count, reserve[], frees, waiters */
	unsigned min;         /* the reserve's size when full */
	unsigned count;       /* elements in reserve[0..count) */
	void *reserve[MEMPOOL_MAX_MIN];
	uint32_t frees;   /* elements given back to the reserve, ever (wraps) */
	unsigned waiters; /* callers in step 5 */
	mempool_alloc_fn *alloc_fn;
	mempool_free_fn *free_fn;
	void *cookie;
	const struct mempool_wait_ops *wait_ops; /* NULL: step 5 is not available */
	void *wait_cookie;
	struct mempool_stats stats;
};

/*
 * mempool_create - fill @pool's reserve with @min (1..MEMPOOL_MAX_MIN)
 * elements from @alloc_fn (allowed to wait). False, with nothing kept, if
 * @min is out of range or @alloc_fn cannot give them all. No waiting ops yet.
 */
bool mempool_create(struct mempool *pool, unsigned min, mempool_alloc_fn *alloc_fn,
		    mempool_free_fn *free_fn, void *cookie);

/* Let may_wait callers wait (step 5) through @ops; until then they get NULL there. */
void mempool_set_wait_ops(struct mempool *pool, const struct mempool_wait_ops *ops, void *cookie);

/*
 * mempool_alloc - an element, by the steps of the header. With @may_wait
 * and wait ops, never NULL (it may wait forever if nothing is ever freed);
 * otherwise NULL when the allocator and the reserve are both dry.
 */
void *mempool_alloc(struct mempool *pool, bool may_wait);

/* mempool_free - give @element back: to the reserve if short, else to the allocator. NULL: no-op. */
void mempool_free(struct mempool *pool, void *element);

/* mempool_destroy - give the reserve back to the allocator; @pool must have no waiters. */
void mempool_destroy(struct mempool *pool);

/* A copy of the counters. */
struct mempool_stats mempool_stats(const struct mempool *pool);

#endif
