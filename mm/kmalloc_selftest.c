// SPDX-License-Identifier: MIT
/*
 * selftest=kmalloc_irq: kmalloc's inline path runs without cli/sti because
 * an interrupt handler never touches its CPU's cache (mm/kmalloc_fast.h).
 * The boot CPU allocates and frees 64-byte objects in a loop, holding a
 * few at a time, each stamped and checked, while every other CPU sends it
 * cross-calls that allocate and free objects of the same class inside the
 * handler, wherever the loop happens to be. An object handed out twice
 * breaks a stamp; the handlers' objects must all have gone past the cache
 * (the slabs' locked path); and every object is back at the end.
 */
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/selftest.h"
#include "mm/kmalloc.h"
#include "smp/smp.h"

#define OBJECT_SIZE 64
#define HELD 8                /* objects the boot CPU's loop holds at once, in turn */
#define IRQ_OBJECTS 4         /* taken and given back by each cross-call */
#define CALLS_PER_CPU 500
#define RUN_LIMIT_NS 10000000000ull /* 10 s: the calls take a few ms; past this something hangs */
#define IRQ_TAG (1ull << 63)  /* set in the handlers' stamps, clear in the loop's */

/*
 * What the handlers hold: one call takes objects and keeps them, the next
 * gives them back. A handler that wrongly used the cache would so leave it
 * changed under the pop or push it interrupted (a call that took and gave
 * back at once would leave it as it was, and hide that).
 */
struct irq_run {
	uint64_t *held[IRQ_OBJECTS], tags[IRQ_OBJECTS], next_tag;
	volatile unsigned calls, taken, workers_done; /* taken: objects the handlers got */
	volatile unsigned broken_stamps, outside_interrupt, failures;
};

static void stamp(uint64_t *obj, uint64_t tag)
{
	for (unsigned i = 0; i < OBJECT_SIZE / 8; i++)
		obj[i] = tag;
}

static bool stamped(const uint64_t *obj, uint64_t tag)
{
	for (unsigned i = 0; i < OBJECT_SIZE / 8; i++)
		if (obj[i] != tag)
			return false;
	return true;
}

/* Give back what @slot holds (its stamp checked) or, if empty, fill it: a stamped object; true if taken. */
static bool take_or_give(uint64_t **slot, uint64_t *slot_tag, uint64_t tag, volatile unsigned *broken,
			 volatile unsigned *failures)
{
	if (*slot) {
		*broken += !stamped(*slot, *slot_tag);
		kfree(*slot);
		*slot = NULL;
		return false;
	}
	*slot = kmalloc(OBJECT_SIZE, -1);
	if (*slot)
		stamp(*slot, *slot_tag = tag);
	else
		(*failures)++;
	return *slot != NULL;
}

/* On the boot CPU, inside its cross-call handler (handlers on one CPU do not nest). */
static void alloc_in_handler(void *arg)
{
	struct irq_run *run = arg;

	if (!this_cpu()->irq_depth)
		run->outside_interrupt++;
	for (unsigned i = 0; i < IRQ_OBJECTS; i++)
		run->taken += take_or_give(&run->held[i], &run->tags[i], IRQ_TAG | run->next_tag++,
					   &run->broken_stamps, &run->failures);
	run->calls++;
}

/* On every other CPU: cross-call the boot CPU, again and again. */
static void call_boot_cpu(void *arg)
{
	struct irq_run *run = arg;

	for (unsigned c = 0; c < CALLS_PER_CPU; c++)
		smp_call_on(0, alloc_in_handler, run);
	__atomic_add_fetch(&run->workers_done, 1, __ATOMIC_RELEASE);
}

static bool test_kmalloc_irq(char *detail, size_t len)
{
	struct slab_allocator *slab = kmalloc_slab();
	struct cpumask others = cpu_online_mask;
	struct irq_run run = { 0 };
	uint64_t *held[HELD] = { 0 }, tags[HELD] = { 0 }, uncached, in_use, loops = 0, deadline;
	unsigned workers;

	if (smp_processor_id() != 0 || kmalloc_stage() != KMALLOC_SLAB) {
		ksnprintf(detail, len, "not on the boot CPU in the slab stage");
		return false;
	}
	cpumask_clear(&others, 0);
	workers = cpumask_weight(&others);
	if (!workers) {
		ksnprintf(detail, len, "one CPU online: nothing to interrupt the loop");
		return true;
	}
	uncached = slab->served_uncached;
	in_use = slab_objects_in_use(slab);
	deadline = time_ns() + RUN_LIMIT_NS;
	smp_call_many(&others, call_boot_cpu, &run, false);
	while (__atomic_load_n(&run.workers_done, __ATOMIC_ACQUIRE) < workers && time_ns() < deadline) {
		unsigned slot = loops++ % HELD;

		take_or_give(&held[slot], &tags[slot], loops, &run.broken_stamps, &run.failures);
	}
	for (unsigned slot = 0; slot < HELD; slot++)
		if (held[slot]) {
			run.broken_stamps += !stamped(held[slot], tags[slot]);
			kfree(held[slot]);
		}
	for (unsigned i = 0; i < IRQ_OBJECTS; i++) /* the handlers are done: theirs go back from here */
		if (run.held[i]) {
			run.broken_stamps += !stamped(run.held[i], run.tags[i]);
			kfree(run.held[i]);
		}
	uncached = slab->served_uncached - uncached;
	ksnprintf(detail, len,
		  "%u cpus, %u calls taking %u objects during %llu loops: %u broken stamps, %u calls outside a "
		  "handler, %llu objects past the cache, %u failures, in use %llu before and %llu after",
		  workers, run.calls, run.taken, (unsigned long long)loops, run.broken_stamps, run.outside_interrupt,
		  (unsigned long long)uncached, run.failures, (unsigned long long)in_use,
		  (unsigned long long)slab_objects_in_use(slab));
	return run.workers_done == workers && run.calls == workers * CALLS_PER_CPU && !run.broken_stamps &&
	       !run.outside_interrupt && !run.failures && run.taken && uncached >= run.taken &&
	       slab_objects_in_use(slab) == in_use;
}
SELFTEST("kmalloc_irq", test_kmalloc_irq);
