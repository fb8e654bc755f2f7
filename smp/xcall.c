// SPDX-License-Identifier: MIT
/*
 * Cross-calls: a per-CPU queue of (function, argument, completion counter)
 * and a fixed IPI vector that makes the target drain its queue. Functions
 * run in interrupt context on the target, with interrupts off.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/selftest.h"
#include "smp/idle.h"
#include "smp/smp.h"
#include "smp/wait.h"

static bool queue_push(struct call_queue *q, const struct call_entry *e)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	bool ok = false;

	if (q->tail - q->head < CALL_QUEUE_SIZE) {
		q->entries[q->tail % CALL_QUEUE_SIZE] = *e;
		q->tail++;
		ok = true;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

static bool queue_pop(struct call_queue *q, struct call_entry *e)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	bool ok = false;

	if (q->head != q->tail) {
		*e = q->entries[q->head % CALL_QUEUE_SIZE];
		q->head++;
		ok = true;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

void smp_run_queued_calls(void)
{
	struct call_queue *q = &this_cpu()->calls;
	struct call_entry e;

	while (queue_pop(q, &e)) {
		e.fn(e.arg);
		q->handled++;
		if (e.done)
			complete(e.done);
	}
}

static void call_function_interrupt(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
	smp_run_queued_calls();
}

void xcall_init(void)
{
	idt_set_handler(VEC_CALL_FUNCTION, call_function_interrupt);
}

static void queue_on(unsigned cpu, const struct call_entry *e)
{
	struct percpu *target = cpu_area[cpu];

	/* A full queue empties as its CPU runs; meanwhile run ours, in case it is waiting on us. */
	while (!queue_push(&target->calls, e)) {
		smp_run_queued_calls();
		cpu_relax();
	}
	smp_kick(cpu, VEC_CALL_FUNCTION);
}

void smp_call_many(const struct cpumask *mask, smp_call_fn fn, void *arg, bool wait)
{
	struct completion done;
	unsigned self = smp_processor_id();
	struct call_entry e = { fn, arg, wait ? &done : NULL };

	completion_init(&done, 0);
	for_each_cpu_in(cpu, mask) {
		if (cpu == self || !cpumask_test(&cpu_online_mask, cpu))
			continue;
		if (wait)
			completion_add(&done, 1);
		queue_on(cpu, &e);
	}
	if (cpumask_test(mask, self))
		fn(arg);
	if (wait)
		wait_for_completion_timeout(&done, 0); /* halts, unless called inside a cross-call */
}

void smp_call_on(unsigned cpu, smp_call_fn fn, void *arg)
{
	struct cpumask one = { { 0 } };

	cpumask_set(&one, cpu);
	smp_call_many(&one, fn, arg, true);
}

/* ---- self-test: every CPU calls every other CPU, many times, checking payloads ---- */

#define XCALL_TARGET_CALLS 4000

struct xcall_probe {
	uint64_t seq;
	unsigned from;
	unsigned ran_on;
	uint64_t answer;
};

static uint64_t xcall_mix(uint64_t seq, unsigned from, unsigned to)
{
	uint64_t x = seq * 0x9e3779b97f4a7c15ull ^ ((uint64_t)from << 32 | to);

	return x ^ (x >> 29);
}

static void xcall_answer(void *arg)
{
	struct xcall_probe *p = arg;

	p->ran_on = smp_processor_id();
	p->answer = xcall_mix(p->seq, p->from, p->ran_on);
}

struct xcall_run {
	unsigned rounds;
	volatile unsigned calls, errors, broadcast_hits;
};

static void xcall_count(void *arg)
{
	__atomic_add_fetch((volatile unsigned *)arg, 1, __ATOMIC_RELAXED);
}

/* Runs on every CPU at once: call each other CPU in turn, then broadcast. */
static void xcall_worker(void *arg)
{
	struct xcall_run *run = arg;
	unsigned self = smp_processor_id();

	for (unsigned r = 0; r < run->rounds; r++) {
		for_each_cpu_in(cpu, &cpu_online_mask) {
			struct xcall_probe p = { .seq = r * MAX_CPUS + cpu, .from = self };

			if (cpu == self)
				continue;
			smp_call_on(cpu, xcall_answer, &p);
			__atomic_add_fetch(&run->calls, 1, __ATOMIC_RELAXED);
			if (p.ran_on != cpu || p.answer != xcall_mix(p.seq, self, cpu))
				__atomic_add_fetch(&run->errors, 1, __ATOMIC_RELAXED);
		}
	}
	{
		volatile unsigned hits = 0;

		smp_call_many(&cpu_online_mask, xcall_count, (void *)&hits, true);
		if (hits == cpumask_weight(&cpu_online_mask))
			__atomic_add_fetch(&run->broadcast_hits, 1, __ATOMIC_RELAXED);
	}
}

static bool test_xcall(char *detail, size_t len)
{
	unsigned n = cpumask_weight(&cpu_online_mask);
	struct xcall_run run = { 0 };
	uint64_t start, ns;

	if (n < 2) {
		ksnprintf(detail, len, "one CPU online: nothing to call");
		return true;
	}
	run.rounds = XCALL_TARGET_CALLS / (n * (n - 1)) + 1;
	start = time_ns();
	smp_call_many(&cpu_online_mask, xcall_worker, &run, true);
	ns = time_ns() - start;
	ksnprintf(detail, len, "%u cpus, %u calls, %u bad payloads, %u/%u broadcasts complete, %llu ns/call",
		  n, run.calls, run.errors, run.broadcast_hits, n,
		  (unsigned long long)(run.calls ? ns / run.calls : 0));
	return run.errors == 0 && run.calls == run.rounds * n * (n - 1) && run.broadcast_hits == n;
}
SELFTEST("xcall", test_xcall);
