/* SPDX-License-Identifier: MIT */
/*
 * kmalloc_fast - the common case of kmalloc and kfree, inline (included by
 * mm/kmalloc.h; the kernel's only: it reads %gs). In the slab stage a
 * small object for this CPU's node is one pop from, or one push to, this
 * CPU's cache of objects (mm/slab.h), found through %gs: a test of the
 * stage, two per-CPU loads, a table lookup for the class, no call, no
 * lock and no cli/sti. Anything else goes to kmalloc_slow/kfree_slow.
 *
 * Why the cache needs no cli/sti: it is touched only by its own CPU, and
 * only outside interrupt handlers (irq_depth 0, counted by trap_dispatch
 * around every handler). Outside handlers a CPU runs one flow of control
 * (no threads, no preemption), so the only code that can run in the middle
 * of a pop or push is a handler, and a handler never touches the cache:
 * it sees irq_depth > 0 and takes the slabs' locked path (slab_alloc_cpu
 * with use_cache false). Nothing else interleaves: exceptions that resume
 * (the probes' fixups) allocate nothing, an NMI ends the boot, and a
 * cross-call run outside a handler (by a sender draining its own queue
 * while it waits) runs where its CPU is not inside a pop or push, since
 * neither the pop, the push nor their slow halves wait for anything.
 * So an allocation inside a handler -- most of an AP's work, which runs in
 * cross-calls -- pays for the lock: correct, and off this path.
 */
#ifndef MEMINIT_MM_KMALLOC_FAST_H
#define MEMINIT_MM_KMALLOC_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "mm/slab.h"
#include "smp/percpu.h"

/* The stage kmalloc is in: written in one place, kmalloc_advance. */
extern enum kmalloc_stage kmalloc_current_stage;

/* Everything but the common case; kmalloc and kfree proper. */
void *kmalloc_slow(size_t size, int node);
void kfree_slow(void *p);

/* True when this CPU may use its cache: the slab stage, and not inside an interrupt handler. */
static inline bool kmalloc_cache_ours(void)
{
	unsigned irq_depth;

	/* Acquire: the caches were set up before the stage was published. */
	if (__atomic_load_n(&kmalloc_current_stage, __ATOMIC_ACQUIRE) != KMALLOC_SLAB)
		return false;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(irq_depth) : "i"(offsetof(struct percpu, irq_depth)));
	return irq_depth == 0;
}

/* This CPU's cache of objects: every CPU has one in the slab stage (kmalloc_prepare_slab). */
static inline struct slab_cpu_cache *kmalloc_cpu_cache(void)
{
	return (struct slab_cpu_cache *)(uintptr_t)this_cpu_read_u64(offsetof(struct percpu, slab_cache));
}

static inline void *kmalloc(size_t size, int node)
{
	if (size <= SLAB_MAX_OBJECT && node < 0 && kmalloc_cache_ours()) {
		struct slab_cpu_cache *cc = kmalloc_cpu_cache();
		unsigned cls = slab_class_of(size);

		if (cc->avail[cls])
			return slab_cache_pop(cc, cls);
	}
	return kmalloc_slow(size, node); /* the cache's refill, and everything else */
}

static inline void kfree(void *p)
{
	if (p && kmalloc_cache_ours()) {
		struct slab_cpu_cache *cc = kmalloc_cpu_cache();
		int cls = slab_object_class(p);

		/* Only this node's objects enter its cache; a full cache flushes out of line. */
		if (cls >= 0 && slab_header_of(p)->home == cc->node && slab_cache_push(cc, (unsigned)cls, p))
			return;
	}
	kfree_slow(p);
}

#endif
