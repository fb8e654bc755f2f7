// SPDX-License-Identifier: MIT
/* The APs' idle loop, halting or polling, and the IPI it can spare (idle.h). */
#include "smp/idle.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/tsc.h"
#include "smp/percpu.h"
#include "smp/smp.h"

/* How long smp_idle_poll() waits for the APs to start or stop polling: far more than either takes. */
#define POLL_SWITCH_TIMEOUT_NS 50000000ull

static volatile bool poll_wanted;

static bool calls_queued(const struct percpu *p)
{
	return __atomic_load_n(&p->calls.tail, __ATOMIC_ACQUIRE) != __atomic_load_n(&p->calls.head, __ATOMIC_ACQUIRE);
}

/*
 * Poll until polling is switched off. Interrupts stay off: a call runs
 * here as it would in the IPI handler, and nothing can interrupt it.
 */
static void poll_queue(struct percpu *p)
{
	__atomic_store_n(&p->polling, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&poll_wanted, __ATOMIC_ACQUIRE)) {
		if (calls_queued(p))
			smp_run_queued_calls();
		cpu_relax();
	}
	/* The flag down before the last look: a sender that still saw it up queued before this look. */
	__atomic_store_n(&p->polling, 0, __ATOMIC_SEQ_CST);
	smp_run_queued_calls();
}

void smp_idle(void)
{
	struct percpu *p = this_cpu();

	for (;;) {
		irq_disable();
		if (__atomic_load_n(&poll_wanted, __ATOMIC_ACQUIRE)) {
			poll_queue(p);
			irq_enable();
			continue;
		}
		/* "sti; hlt" cannot lose a wake-up: STI's one-instruction shadow. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

void smp_idle_poll(bool on)
{
	unsigned self = smp_processor_id();
	uint64_t deadline = time_ns() + POLL_SWITCH_TIMEOUT_NS;

	__atomic_store_n(&poll_wanted, on, __ATOMIC_SEQ_CST);
	if (on) /* a halted AP looks only when woken */
		for_each_cpu_in(cpu, &cpu_online_mask)
			if (cpu != self)
				smp_kick(cpu, VEC_WAKEUP);
	/* A CPU busy in a long call switches when it is done: the bound keeps this call short. */
	for_each_cpu_in(cpu, &cpu_online_mask)
		while (cpu != self && __atomic_load_n(&cpu_area[cpu]->polling, __ATOMIC_ACQUIRE) != on &&
		       time_ns() < deadline)
			cpu_relax();
}

void smp_kick(unsigned cpu, uint8_t vector)
{
	struct percpu *target = cpu_area[cpu];

	/* What the caller queued, before the look at the flag: the idle loop does the same the other way. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&target->polling, __ATOMIC_RELAXED)) {
		this_cpu_add_u64(offsetof(struct percpu, ipis_spared), 1);
		return;
	}
	lapic_send_ipi(target->apic_id, vector);
	this_cpu_add_u64(offsetof(struct percpu, ipis_sent), 1);
}
