// SPDX-License-Identifier: MIT
/*
 * Completions: the counting, pure C (wait.h). Waking and halting are in
 * wait.c; the host tests link this file with a waiter that polls.
 */
#include "smp/percpu.h"
#include "smp/wait.h"

#define PENDING_MASK 0xffffffffull

static inline int32_t pending_of(uint64_t state) { return (int32_t)(uint32_t)(state & PENDING_MASK); }
static inline uint32_t generation_of(uint64_t state) { return (uint32_t)(state >> 32); }

static inline uint64_t make_state(uint32_t generation, int32_t pending)
{
	return (uint64_t)generation << 32 | (uint32_t)pending;
}

void completion_init(struct completion *c, int pending)
{
	uint64_t old = __atomic_load_n(&c->state, __ATOMIC_RELAXED);

	c->waiter = smp_processor_id();
	__atomic_store_n(&c->state, make_state(generation_of(old) + 1, pending), __ATOMIC_RELEASE);
}

uint32_t completion_generation(const struct completion *c)
{
	return generation_of(__atomic_load_n(&c->state, __ATOMIC_ACQUIRE));
}

/* Add @n to the pending count of @generation (any, when @any); false if @c moved on. */
static bool add_if(struct completion *c, bool any, uint32_t generation, int32_t n, bool *now_done)
{
	uint64_t cur = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE), next;

	do {
		if (!any && generation_of(cur) != generation)
			return false;
		next = make_state(generation_of(cur), pending_of(cur) + n);
	} while (!__atomic_compare_exchange_n(&c->state, &cur, next, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	*now_done = pending_of(next) == 0;
	return true;
}

void completion_add(struct completion *c, int n)
{
	bool done;

	add_if(c, true, 0, n, &done);
}

bool completion_done(const struct completion *c)
{
	return pending_of(__atomic_load_n(&c->state, __ATOMIC_ACQUIRE)) == 0;
}

static bool complete_if(struct completion *c, bool any, uint32_t generation)
{
	/* Read before the decrement: once pending is 0 the waiter may return and reuse *c. */
	unsigned waiter = c->waiter;
	bool done;

	if (!add_if(c, any, generation, -1, &done))
		return false;
	if (done && waiter != smp_processor_id())
		completion_wake(waiter);
	return true;
}

void complete(struct completion *c)
{
	complete_if(c, true, 0);
}

bool complete_generation(struct completion *c, uint32_t generation)
{
	return complete_if(c, false, generation);
}
