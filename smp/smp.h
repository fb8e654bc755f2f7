/* SPDX-License-Identifier: MIT */
/*
 * smp - waking the application processors and calling functions on them.
 *
 * smp_boot() wakes every AP at once (INIT, STARTUP, STARTUP to each, then
 * one wait for all), each on its own stack and per-CPU area allocated on
 * its own node, and measures each AP's TSC offset against the boot CPU.
 * An AP that does not answer in time is reported and left out. Idle APs
 * halt until an IPI arrives.
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
 * smp_boot - bring up the CPUs of @topo (cpus[0] is the boot CPU). Needs
 * the direct map, the early allocator with nodes set, and the IDT.
 */
void smp_boot(const struct numa_topology *topo, uint64_t lapic_phys);

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
