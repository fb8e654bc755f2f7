/* SPDX-License-Identifier: MIT */
/*
 * lapic - the local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, for the
 * inter-processor interrupts SMP needs: INIT, STARTUP and fixed vectors.
 * SDM vol. 3A, chapter "Advanced Programmable Interrupt Controller (APIC)".
 */
#ifndef MEMINIT_ARCH_LAPIC_H
#define MEMINIT_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_PHYS 0xfee00000ull

#define VEC_TIMER 0xee         /* the one-shot timer that ends a bounded halt (smp/wait.c) */
#define VEC_WAKEUP 0xef        /* "what you wait for is done" (smp/wait.c) */
#define VEC_CALL_FUNCTION 0xf0 /* cross-calls (smp/xcall.c) */
#define VEC_SPURIOUS 0xff

enum apic_mode_request { APIC_AUTO, APIC_FORCE_XAPIC, APIC_FORCE_X2APIC };

/* Once on the boot CPU: map the LAPIC (xAPIC) or switch to x2APIC, mask the 8259s. */
void lapic_init_boot_cpu(uint64_t lapic_phys);
/* On every CPU (the boot CPU included): enable in the mode the boot CPU chose. */
void lapic_enable(void);
bool lapic_x2apic_mode(void);
const char *lapic_mode_name(void);

uint32_t lapic_id(void);
void lapic_eoi(void);

/* IPIs to one APIC id; each waits until the LAPIC has accepted the previous one. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint32_t page_phys);

/*
 * Raise VEC_TIMER on the calling CPU in about @ns (one-shot; a later call
 * re-arms it). Its only job is to end a halt: the handler just EOIs, and
 * callers re-check the clock, so an early or late tick costs nothing but
 * one more loop. The rate is measured against the TSC on first use.
 */
void lapic_timer_oneshot_ns(uint64_t ns);

/* The APIC id of the calling CPU from CPUID (no LAPIC access; usable before it is mapped). */
uint32_t cpuid_apic_id(void);

#endif
