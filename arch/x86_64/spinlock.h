/* SPDX-License-Identifier: MIT */
/* spinlock.h - a test-and-test-and-set lock; waiters pause, holders are brief. */
#ifndef MEMINIT_ARCH_SPINLOCK_H
#define MEMINIT_ARCH_SPINLOCK_H

#include <stdbool.h>

struct spinlock {
	volatile int locked;
};

static inline bool spin_trylock(struct spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Interrupts off on this CPU, returning the flags to restore; on the host (tests) there are none. */
static inline unsigned long local_irq_save(void)
{
	unsigned long flags = 0;

#if !__STDC_HOSTED__
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
#endif
	return flags;
}

/* Interrupts back on if @flags (from local_irq_save) had them on. */
static inline void local_irq_restore(unsigned long flags)
{
#if !__STDC_HOSTED__
	if (flags & (1ul << 9)) /* IF */
		__asm__ volatile("sti" ::: "memory");
#else
	(void)flags;
#endif
}

/*
 * With interrupts off while held: cross-calls run in interrupt context, and
 * one that wants a lock its own CPU already holds would spin forever.
 */
static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = local_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}

#endif
