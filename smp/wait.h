/* SPDX-License-Identifier: MIT */
/*
 * wait - waiting without spinning.
 *
 * Under TCG a vCPU that spins takes a host core from the vCPUs doing the
 * work, so a waiting CPU halts: the last worker to finish sends it
 * VEC_WAKEUP, and a one-shot LAPIC timer bounds the halt where a deadline
 * is given. Inside a cross-call (interrupts off) a CPU cannot halt; there
 * it runs its own queued calls while it waits, as smp_call_many does.
 */
#ifndef MEMINIT_SMP_WAIT_H
#define MEMINIT_SMP_WAIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Pieces of work still outstanding, and the one CPU that waits for them.
 * A completion is reused (one per strategy run, say), so each init starts
 * a new generation: a piece that finishes after its waiter gave up on it
 * says which generation it belonged to, and is then not counted against
 * a later one.
 */
struct completion {
	volatile uint64_t state; /* generation << 32 | pending (as an int32) */
	unsigned waiter;         /* fixed at init: a worker may read it after the waiter has moved on */
};

/* @pending pieces, waited for by the calling CPU; a new generation. */
void completion_init(struct completion *c, int pending);
/* The generation of the current init (what complete_generation() wants). */
uint32_t completion_generation(const struct completion *c);
void completion_add(struct completion *c, int n);
/* One piece done (any CPU, any context); the last one wakes the waiter. */
void complete(struct completion *c);
/* complete(), if @c is still at @generation; false (nothing counted) if it was initialized since. */
bool complete_generation(struct completion *c, uint32_t generation);
bool completion_done(const struct completion *c);
/* Wake @cpu from a halt in wait_for_completion_timeout() (wait.c: an IPI). */
void completion_wake(unsigned cpu);

/*
 * wait_for_completion_timeout - on the waiter: return true when nothing is
 * pending, false if @timeout_ns (0: no limit) passed first.
 */
bool wait_for_completion_timeout(struct completion *c, uint64_t timeout_ns);

/* Halt for @ns (timer-bounded), any context; comes back with interrupts as they were. */
void sleep_ns(uint64_t ns);

#endif
