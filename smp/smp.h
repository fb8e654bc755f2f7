/* SPDX-License-Identifier: MIT */
/*
 * smp - waking the application processors and calling functions on them.
 *
 * smp_boot_prepare() gives each AP its stack and per-CPU area on its own
 * node; smp_boot_wake() wakes every AP at once (INIT, STARTUP, STARTUP to
 * each, then one wait for all) and measures each AP's TSC offset against
 * the boot CPU.
 * An AP that does not answer in time is reported and left out. Idle APs
 * halt until an IPI arrives, or poll their call queue (smp/idle.h).
 */
#ifndef MEMINIT_SMP_SMP_H
#define MEMINIT_SMP_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "smp/cpumask.h"
#include "smp/numa.h"
#include "smp/percpu.h"

struct smp_boot_stats {
	uint64_t wake_ns;      /* first INIT sent -> last AP online */
	uint64_t init_delay_ns; /* the wait after INIT (0 on modern CPUs; smp.init_delay_us=) */
	uint64_t tsc_skew_ns;  /* largest |TSC offset| of any AP (offsets within the uncertainty count as 0) */
	uint64_t tsc_uncertainty_ns; /* largest half round trip of the best offset sample */
	unsigned requested;    /* APs we tried to wake */
	unsigned failed;       /* APs that never answered */
	const char *apic_mode;
};

extern struct smp_boot_stats smp_stats;

/*
 * Bringing up the CPUs of @topo (cpus[0] is the boot CPU) is two calls, so
 * that a strategy may lay out the mem_map between them (strategy=overlap).
 *
 * smp_boot_prepare - phases lapic and percpu: the LAPIC, each CPU's area and
 * stacks on its node, the trampoline: every memblock allocation of the
 * bring-up. Needs the direct map, the early allocator with nodes set, and
 * the IDT.
 */
void smp_boot_prepare(const struct numa_topology *topo, uint64_t lapic_phys);

/* Work done while the APs wake (strategy=overlap); each callback gets @arg. */
struct smp_wake_work {
	/* On each AP the moment it is online, interrupts on; then the AP idles. */
	void (*ap_online)(void *arg);
	/* On the boot CPU between looks at the waking APs: a short piece of work, false if none is left. */
	bool (*boot_cpu_step)(void *arg);
	/* On the boot CPU, for an AP given up because it did not come online. */
	void (*ap_failed)(void *arg, unsigned cpu);
	void *arg;
};

/*
 * smp_boot_wake - phases ap_wake and tsc_sync: wake every AP prepared at
 * once, wait for them, measure their TSC offsets. With @work (NULL: none),
 * each AP starts it as it comes online, and the boot CPU does its steps
 * while it waits and then, until none is left, in a phase of its own
 * (wake_work) before the TSC ping-pong. An AP's readings before its offset is measured are on
 * its own clock (the offset is 0 under emulation; @topology's tsc_skew_ns
 * bounds it elsewhere).
 */
void smp_boot_wake(const struct smp_wake_work *work);

/* Run @fn(@arg) on @cpu and wait for it to return (runs directly if @cpu is this CPU). */
void smp_call_on(unsigned cpu, smp_call_fn fn, void *arg);
/*
 * Run @fn(@arg) on every online CPU in @mask (this one included, last, if
 * it is in @mask); with @wait, return only when all have finished. Callable
 * from any CPU, also from inside a cross-call: while waiting, this CPU
 * keeps running the calls queued for it, so two CPUs calling each other
 * cannot deadlock.
 */
void smp_call_many(const struct cpumask *mask, smp_call_fn fn, void *arg, bool wait);
/* Run the calls queued for this CPU (the IPI handler and waiters use it). */
void smp_run_queued_calls(void);
void xcall_init(void);

#endif
