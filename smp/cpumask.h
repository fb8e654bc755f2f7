/* SPDX-License-Identifier: MIT */
/* cpumask - a set of CPU ids (dense, 0..MAX_CPUS-1). */
#ifndef MEMINIT_SMP_CPUMASK_H
#define MEMINIT_SMP_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 256

struct cpumask {
	uint64_t bits[MAX_CPUS / 64];
};

static inline void cpumask_set(struct cpumask *m, unsigned cpu) { m->bits[cpu / 64] |= 1ull << (cpu % 64); }
static inline void cpumask_clear(struct cpumask *m, unsigned cpu) { m->bits[cpu / 64] &= ~(1ull << (cpu % 64)); }
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu) { return m->bits[cpu / 64] >> (cpu % 64) & 1; }
/* For masks that several CPUs change at once. */
static inline void cpumask_set_atomic(struct cpumask *m, unsigned cpu)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_RELEASE);
}
static inline void cpumask_clear_atomic(struct cpumask *m, unsigned cpu)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_RELEASE);
}

static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0;

	/* No __builtin_popcountll: without -mpopcnt it calls into libgcc, which we do not link. */
	for (unsigned i = 0; i < MAX_CPUS / 64; i++)
		for (uint64_t b = m->bits[i]; b; b &= b - 1)
			n++;
	return n;
}

#define for_each_cpu_in(cpu, mask) \
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) \
		if (cpumask_test((mask), cpu))

#endif
