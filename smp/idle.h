/* SPDX-License-Identifier: MIT */
/*
 * idle - what an AP does when it has nothing to run, and how another CPU
 * gets its attention.
 *
 * An idle AP halts until an interrupt (the default) or, while polling is
 * on, watches its cross-call queue with interrupts off. A CPU that polls
 * is sent no IPI: smp_kick() sees its polling flag and leaves the call in
 * the queue, where the idle loop finds it. This is Linux's idle=poll with
 * its polling flag (set_nr_if_polling spares the IPI to an idle CPU that
 * polls under mwait). Here it matters because an IPI's cost falls on its
 * sender: under the emulator one x2APIC ICR write takes ~50 us of the
 * sending CPU (against ~1 us on hardware), and a caller that wants to be
 * left to its own work (a late node coming online under async) would pay
 * it in its own latency. Polling costs a host core per polling vCPU, so it
 * is switched on only for a measured window (mem.late_node_idle).
 */
#ifndef MEMINIT_SMP_IDLE_H
#define MEMINIT_SMP_IDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smp/percpu.h"

/* The idle loop of every AP, after its bring-up: never returns. */
void __attribute__((noreturn)) smp_idle(void);

/*
 * Switch the idle APs between polling (@on) and halting. On: each halted
 * AP is woken once to start polling, and the call returns once every
 * online AP polls (or after a bound: one that does not is still sent IPIs).
 * Off: it returns once every AP has left the polling loop (the same bound),
 * having run what was queued for it without an IPI.
 */
void smp_idle_poll(bool on);

/* Get @cpu to look at its queue: an IPI on @vector, unless it polls. */
void smp_kick(unsigned cpu, uint8_t vector);

/* IPIs this CPU has sent, and the ones polling spared it: monotonic counts. */
static inline uint64_t smp_ipis_sent(void)
{
	return this_cpu_read_u64(offsetof(struct percpu, ipis_sent));
}

static inline uint64_t smp_ipis_spared(void)
{
	return this_cpu_read_u64(offsetof(struct percpu, ipis_spared));
}

#endif
