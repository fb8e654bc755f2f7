// SPDX-License-Identifier: MIT
/* Waiting without spinning (wait.h); the counting is in completion.c. */
#include "smp/wait.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/tsc.h"
#include "smp/idle.h"
#include "smp/percpu.h"
#include "smp/smp.h"

#define RFLAGS_IF (1ul << 9)

void completion_wake(unsigned cpu)
{
	smp_kick(cpu, VEC_WAKEUP);
}

/*
 * Halt until an interrupt, but not past @deadline_ns (0: no deadline).
 * Call with interrupts off, after the last check of the condition: "sti;
 * hlt" takes no interrupt between the two instructions (STI's shadow), so
 * a wake-up sent after the check ends this halt instead of being lost.
 */
static void halt_until_interrupt(uint64_t deadline_ns)
{
	uint64_t now = time_ns();

	if (deadline_ns) {
		if (now >= deadline_ns) {
			irq_enable();
			return;
		}
		lapic_timer_oneshot_ns(deadline_ns - now);
	}
	__asm__ volatile("sti; hlt" ::: "memory");
}

bool wait_for_completion_timeout(struct completion *c, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? time_ns() + timeout_ns : 0;
	bool can_halt = read_rflags() & RFLAGS_IF;

	for (;;) {
		if (completion_done(c))
			return true;
		if (deadline && time_ns() >= deadline)
			return false;
		if (!can_halt) { /* inside a cross-call: keep ours running, others may wait on them */
			smp_run_queued_calls();
			cpu_relax();
			continue;
		}
		irq_disable();
		if (completion_done(c)) {
			irq_enable();
			return true;
		}
		halt_until_interrupt(deadline);
	}
}

void sleep_ns(uint64_t ns)
{
	uint64_t deadline = time_ns() + ns;
	bool irqs_were_on = read_rflags() & RFLAGS_IF;

	for (;;) {
		irq_disable();
		if (time_ns() >= deadline)
			break;
		halt_until_interrupt(deadline);
	}
	if (irqs_were_on)
		irq_enable();
}
